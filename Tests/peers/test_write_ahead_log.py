"""The write-ahead log of a real mss-server (MSS_SERVER_BINARY), through boto3.

A PUT of up to 64 KiB, and every change of a key's metadata, is durable once it is in the log
(`.mss/wal.0`, `.mss/wal.1`); the files are flushed later, by a checkpoint. So after a SIGKILL
followed by the loss of everything the kernel had not written yet (a power cut), which this test
models by deleting every key document and every small data file and by cutting each document pack
(where small keys' documents are appended) to a first part of what was appended, the next start
must rebuild all of it from the log: every acknowledged write, overwrite, delete and version reads
back exactly. A clean stop checkpoints and empties the log, and the next start has nothing to apply.
"""
import os
import random
import stat
import subprocess
import urllib.request

from server_process import BINARY, ServerProcess
from test_index_restart import view

APPLIED = "changes of keys applied from the write-ahead log"


def applied(server):
    with open(server.log_path, errors="replace") as log:
        return [line for line in log if APPLIED in line]


def test_acknowledged_writes_survive_losing_every_unflushed_file(tmp_path):
    rng = random.Random(20261201)
    data = tmp_path / "data"
    server = ServerProcess(data, tmp_path / "server.log")
    server.start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="plain-wal")
        s3.create_bucket(Bucket="versions-wal")
        s3.put_bucket_versioning(Bucket="versions-wal", VersioningConfiguration={"Status": "Enabled"})
        # Sizes on both sides of the 64 KiB a PUT may hold in memory and log whole.
        sizes = [0, 1, 4096, 65535, 65536, 65537, 300_000]
        for index in range(60):
            body = os.urandom(rng.choice(sizes))
            s3.put_object(Bucket="plain-wal", Key=f"p/{index:03}", Body=body)
        for index in range(0, 60, 4):
            s3.put_object(Bucket="plain-wal", Key=f"p/{index:03}", Body=b"overwritten")
        for index in range(1, 60, 9):
            s3.delete_object(Bucket="plain-wal", Key=f"p/{index:03}")
        for round_ in range(3):
            s3.put_object(Bucket="versions-wal", Key="v", Body=os.urandom(1000 + round_))
        s3.delete_object(Bucket="versions-wal", Key="v")
        s3.copy_object(Bucket="plain-wal", Key="copied", CopySource={"Bucket": "plain-wal", "Key": "p/002"})
        s3.put_object_acl(Bucket="plain-wal", Key="p/003", ACL="public-read")
        expected = {bucket: view(s3, bucket) for bucket in ("plain-wal", "versions-wal")}
        assert len(expected["plain-wal"][0]) == 60 - 7 + 1

        server.kill()
        for name in (".mss/wal.0", ".mss/wal.1"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
        # The power cut: every document, and every data file whose bytes went into the log,
        # never reached the disk. Bodies received into files (larger PUTs, copies) were flushed
        # before their record and stay.
        logged = (data / ".mss/wal.0").read_bytes() + (data / ".mss/wal.1").read_bytes()
        lost = 0
        for path in (data / "buckets").glob("*/objects/*/*"):
            if path.name.endswith(".json") or str(path.relative_to(data)).encode() in logged:
                path.unlink()
                lost += 1
        # Small keys' documents are entries of their bucket's packs, appended since the start:
        # of each pack, writeback flushed some first part, cut in the middle of an entry.
        packs = list((data / "buckets").glob("*/packs/*.pack"))
        assert packs
        for pack in packs:
            os.truncate(pack, rng.randrange(0, pack.stat().st_size + 1))
        assert lost > 40
        report = subprocess.run([BINARY, "--check", str(data)], capture_output=True, text=True, timeout=120)
        assert "changed in the write-ahead log, written into the files first by the next start" in report.stdout, report.stdout

        server.start()
        assert len(applied(server)) == 1, server.log_tail()
        s3 = server.client()
        for bucket, seen in expected.items():
            assert view(s3, bucket) == seen, bucket
        # The ACL change, a metadata-only change of the key, came back too: anyone may read it.
        with urllib.request.urlopen(f"{server.endpoint}/plain-wal/p/003", timeout=10) as anonymous:
            assert anonymous.status == 200
            assert anonymous.read() == expected["plain-wal"][2]["p/003"]

        # A clean stop empties the log: the next start applies nothing, and serves the same.
        server.stop()
        assert server.process.returncode == 0, server.log_tail()
        for name in (".mss/wal.0", ".mss/wal.1"):
            with open(data / name, "rb") as segment:
                # Wiped, or never written to (a segment's file grows with its records).
                assert segment.read(32) in (bytes(32), b""), name
        server.start()
        assert len(applied(server)) == 1, server.log_tail()
        s3 = server.client()
        for bucket, seen in expected.items():
            assert view(s3, bucket) == seen, bucket
    finally:
        server.stop()
