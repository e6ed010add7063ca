"""`mss cp` both ways through a fault-injecting proxy in front of mss-server.

scripts/lib/flaky_proxy.py, started here in front of MSS_SERVER_ENDPOINT, gives about 10% of the
requests on a "faulty" bucket one fault picked at random (seeded): a connection reset before the
answer, 503 SlowDown, 500 InternalError, or a GET body cut in half after a full Content-Length.
A 64 MiB file (multipart up, ranged parts down) and a tree of small files go up and come back
down MSS_FAULT_ROUNDS times (default 10), alternately with SigV2 and SigV4; every copy must be
byte-identical, checked both through the proxy and directly on the server. The faults injected are
printed (`pytest -s`) and each kind must have happened at least once, so the run did test them.
"""
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from conftest import Runner, clean_env

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "scripts" / "lib" / "flaky_proxy.py"
ROUNDS = int(os.environ.get("MSS_FAULT_ROUNDS", "10"))
SEED = int(os.environ.get("MSS_FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
BIG = 64 << 20


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def proxy(tmp_path):
    endpoint = os.environ.get("MSS_SERVER_ENDPOINT")
    if not endpoint:
        pytest.fail("MSS_SERVER_ENDPOINT is not set: run this through scripts/test.sh")
    upstream = endpoint.split("://", 1)[1].rstrip("/")
    port = free_port()
    log = open(tmp_path / "proxy.log", "wb")
    process = subprocess.Popen([sys.executable, str(PROXY), str(port), upstream, "--seed", str(SEED), "--fault-rate", "0.1"],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "proxy.log").read_text()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def runner(tmp_path, endpoint, signature):
    env = clean_env(tmp_path / "home")
    env.update(MSS_ENDPOINT=endpoint, MSS_ACCESS_KEY=os.environ["MSS_SERVER_ACCESS_KEY"],
               MSS_SECRET_KEY=os.environ["MSS_SERVER_SECRET_KEY"], MSS_SIGNATURE=signature)
    return Runner(env, f"via {endpoint}")


def direct_s3():
    return boto3.client("s3", endpoint_url=os.environ["MSS_SERVER_ENDPOINT"],
                        aws_access_key_id=os.environ["MSS_SERVER_ACCESS_KEY"],
                        aws_secret_access_key=os.environ["MSS_SERVER_SECRET_KEY"], region_name="us-east-1",
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def digest_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def stored_digest(s3, bucket, key):
    digest = hashlib.sha256()
    for piece in s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(1 << 20):
        digest.update(piece)
    return digest.hexdigest()


def write_tree(root, rng):
    files = {}
    for index in range(24):
        relative = f"d{index % 3}/sub{index % 2}/file-{index}.bin" if index % 4 else f"top-{index}.txt"
        data = rng.randbytes(rng.choice([0, 1, 1000, 40_000, 300_000]))
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[relative] = hashlib.sha256(data).hexdigest()
    return files


def test_cp_both_ways_through_faults(tmp_path, proxy):
    rng = random.Random(SEED)
    print(f"\ntransfer faults: proxy seed {SEED} (MSS_FAULT_SEED replays the choices), {ROUNDS} round trips")
    direct = runner(tmp_path, os.environ["MSS_SERVER_ENDPOINT"], "v4")
    bucket = f"faulty-{uuid.uuid4().hex[:16]}"
    direct("mb", f"mss://{bucket}")
    s3 = direct_s3()
    big = tmp_path / "big.bin"
    with open(big, "wb") as handle:
        for _ in range(BIG >> 20):
            handle.write(rng.randbytes(1 << 20))
    big_digest = digest_file(big)
    tree = tmp_path / "tree"
    tree_digests = write_tree(tree, rng)
    started = time.monotonic()
    try:
        for round_number in range(ROUNDS):
            signature = "v4" if round_number % 2 else "v2"
            via = runner(tmp_path, proxy, signature)
            key = f"big-{round_number}.bin"
            via("cp", str(big), f"mss://{bucket}/{key}")
            assert stored_digest(s3, bucket, key) == big_digest, f"round {round_number}: the stored object differs"
            down = tmp_path / f"down-{round_number}.bin"
            via("cp", f"mss://{bucket}/{key}", str(down))
            assert down.stat().st_size == BIG and digest_file(down) == big_digest, f"round {round_number}: download differs"
            down.unlink()

            prefix = f"tree-{round_number}"
            via("cp", "-r", str(tree), f"mss://{bucket}/{prefix}")
            for relative, digest in tree_digests.items():
                assert stored_digest(s3, bucket, f"{prefix}/{relative}") == digest, f"round {round_number}: {relative}"
            back = tmp_path / f"back-{round_number}"
            via("cp", "-r", f"mss://{bucket}/{prefix}", str(back))
            got = {str(p.relative_to(back)): digest_file(p) for p in back.rglob("*") if p.is_file()}
            assert got == tree_digests, f"round {round_number}: the tree came back different"
            print(f"transfer faults: round {round_number + 1} ({signature}) byte-identical after "
                  f"{time.monotonic() - started:.0f} s")
    finally:
        with urllib.request.urlopen(f"{proxy}/__flaky_proxy__/stats", timeout=10) as answer:
            stats = json.loads(answer.read())
        print("transfer faults: proxy counts:", stats)
        direct("rb", "--force", f"mss://{bucket}", check=False)
    for fault in ["reset before the answer", "503 SlowDown", "500 InternalError", "truncated body"]:
        assert stats.get(fault, 0) >= 1, f"no '{fault}' was injected in {ROUNDS} rounds: {stats}"
