"""Crash safety of mss-server's store, on servers of the test's own (MSS_SERVER_BINARY).

1. Writers store objects (single PUTs of 0..2 MiB, overwrites of the same keys, some multipart
   uploads; SigV4 and SigV2) while the server is SIGKILLed at random moments, several rounds,
   restarted each time on the same data directory. After every restart: every acknowledged write
   reads back byte-identical (for an overwritten key, the last acknowledged version or a later
   write whose answer was lost in the kill), every listed object is exactly one version that was
   written (never partial or mixed), and listing and HEAD agree.
2. Damaged metadata: one object's metadata file is damaged while the server is stopped; after a
   restart every other object reads correctly and no data file was deleted. A damaged bucket.json
   does not lose the bucket or its objects. `mss-server --check DIR` names the damaged file.
"""
import hashlib
import os
import random
import threading
import time

import pytest
from botocore.exceptions import ClientError

import store_layout
from server_process import ServerProcess

SEED = int(os.environ.get("MSS_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
ROUNDS = int(os.environ.get("MSS_CRASH_ROUNDS", "5"))
WRITERS = 6
KEYS_PER_WRITER = 6
PART = 5 << 20


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Attempt:
    def __init__(self, digest, size, multipart):
        self.digest, self.size, self.multipart = digest, size, multipart
        self.state = "in-flight"  # then "acknowledged" or "unknown" (no answer, or an error)


class Model:
    """Every write attempted, per key in order (each key has one writer, so writes of a key never
    overlap)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempts = {}
        self.counts = {"acknowledged": 0, "unknown": 0, "multipart-acknowledged": 0}

    def begin(self, key, data, multipart):
        attempt = Attempt(sha(data), len(data), multipart)
        with self.lock:
            self.attempts.setdefault(key, []).append(attempt)
        return attempt

    def end(self, attempt, acknowledged):
        with self.lock:
            attempt.state = "acknowledged" if acknowledged else "unknown"
            self.counts[attempt.state] += 1
            if acknowledged and attempt.multipart:
                self.counts["multipart-acknowledged"] += 1

    def allowed(self, key):
        """(digests a read may return, whether the key may be absent)."""
        attempts = self.attempts.get(key, [])
        last_ack = max((i for i, a in enumerate(attempts) if a.state == "acknowledged"), default=None)
        if last_ack is None:
            return {a.digest for a in attempts}, True
        return {a.digest for a in attempts[last_ack:]}, False


def writer(server, bucket, keys, model, stop, rng, signature):
    s3 = server.client(signature)
    while not stop.is_set():
        key = rng.choice(keys)
        multipart = rng.random() < 0.07
        if multipart:
            data = rng.randbytes(PART) + rng.randbytes(rng.randrange(1, 300_000))
        else:
            size = rng.choice([0, rng.randrange(1, 4096), rng.randrange(1, 256 << 10), rng.randrange(1, 2 << 20)])
            data = rng.randbytes(size)
        attempt = model.begin(key, data, multipart)
        acknowledged = False
        try:
            if multipart:
                upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
                parts = []
                for number, piece in enumerate([data[:PART], data[PART:]], start=1):
                    etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=piece)["ETag"]
                    parts.append({"PartNumber": number, "ETag": etag})
                answer = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                                      MultipartUpload={"Parts": parts})
            else:
                answer = s3.put_object(Bucket=bucket, Key=key, Body=data)
            acknowledged = answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        except Exception:  # the kill: connection reset or refused, or any error answer
            time.sleep(0.05)
        model.end(attempt, acknowledged)


def verify(server, bucket, model, context):
    """Every key as the model allows; every listed object one whole version; listing = HEAD."""
    s3 = server.client()
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            listed[entry["Key"]] = entry
    assert set(listed) <= set(model.attempts), f"{context}: objects nobody wrote: {set(listed) - set(model.attempts)}"
    problems = []
    for key in sorted(model.attempts):
        allowed, may_be_absent = model.allowed(key)
        try:
            data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchKey":
                raise
            if not may_be_absent:
                problems.append(f"{key}: acknowledged but missing")
            if key in listed:
                problems.append(f"{key}: listed but GET says NoSuchKey")
            continue
        if sha(data) not in allowed:
            every = {a.digest: a for a in model.attempts[key]}
            if sha(data) in every:
                problems.append(f"{key}: an older version ({len(data)} bytes) came back after a later acknowledged write")
            else:
                problems.append(f"{key}: {len(data)} bytes that no write sent (partial or mixed)")
            continue
        if key not in listed:
            problems.append(f"{key}: GET finds it, the listing does not")
            continue
        head = s3.head_object(Bucket=bucket, Key=key)
        entry = listed[key]
        if not (entry["Size"] == head["ContentLength"] == len(data)):
            problems.append(f"{key}: sizes disagree: listing {entry['Size']}, HEAD {head['ContentLength']}, body {len(data)}")
        if entry["ETag"] != head["ETag"]:
            problems.append(f"{key}: ETags disagree: listing {entry['ETag']}, HEAD {head['ETag']}")
        if "-" not in head["ETag"] and head["ETag"].strip('"') != hashlib.md5(data).hexdigest():
            problems.append(f"{key}: ETag {head['ETag']} is not the MD5 of the bytes")
    assert not problems, f"{context}:\n" + "\n".join(problems) + f"\nserver log:\n{server.log_tail()}"
    return len(listed)


def test_sigkill_while_writing(tmp_path):
    print(f"\ncrash safety: seed {SEED} (MSS_CRASH_SEED replays the choices), {ROUNDS} kills")
    rng = random.Random(SEED)
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    bucket = "crash-safety"
    model = Model()
    started = time.monotonic()
    try:
        server.start()
        server.client().create_bucket(Bucket=bucket)
        for round_number in range(1, ROUNDS + 1):
            stop = threading.Event()
            threads = []
            for index in range(WRITERS):
                keys = [f"w{index}/k{k}" for k in range(KEYS_PER_WRITER)]
                thread = threading.Thread(target=writer, daemon=True, args=(
                    server, bucket, keys, model, stop, random.Random(rng.randrange(1 << 32)),
                    "s3v4" if index % 2 == 0 else "s3"))
                thread.start()
                threads.append(thread)
            time.sleep(rng.uniform(0.8, 4.0))
            server.kill()
            print(f"crash safety: kill {round_number} after {time.monotonic() - started:.1f} s of the test")
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
                assert not thread.is_alive(), "a writer hung after the kill"
            killed_at = time.monotonic()
            server.start()
            objects = verify(server, bucket, model, f"after kill {round_number}")
            print(f"crash safety: kill {round_number}: {objects} objects verified in {time.monotonic() - killed_at:.1f} s; "
                  f"writes so far {model.counts}")
        assert model.counts["acknowledged"] >= ROUNDS * 5, f"too few writes were acknowledged to mean anything: {model.counts}"
        assert model.counts["unknown"] >= 1, "no write was ever cut by a kill"
        server.stop()
        server.start()
        verify(server, bucket, model, "after a clean restart")
    finally:
        server.stop()


# Bodies up to this size are kept in their key's document (IncomingData.Source.inlineLimit).
INLINE_LIMIT = 8192


# MARK: damaged metadata


def data_files(data_dir):
    """Data files of objects (everything under buckets/*/objects that is not metadata), path -> sha256."""
    found = {}
    buckets = os.path.join(data_dir, "buckets")
    for directory, _, files in os.walk(buckets):
        if f"{os.sep}objects" not in directory:
            continue
        for name in files:
            if not name.endswith(".json"):
                path = os.path.join(directory, name)
                with open(path, "rb") as handle:
                    found[path] = sha(handle.read())
    return found


def every_file_digest(data_dir):
    digests = set()
    for directory, _, files in os.walk(data_dir):
        for name in files:
            with open(os.path.join(directory, name), "rb") as handle:
                digests.add(sha(handle.read()))
    return digests


def metadata_path(data_dir, bucket, key):
    return store_layout.metadata_path(data_dir, bucket, key)


def damage_pack_entry(data_dir, bucket, key, how, rng):
    """Damages the key's latest entry in the bucket's document packs in place (its bytes, never
    its length, which would move the entries after it), or for "future-field" appends a later
    entry whose document has a field this server does not know. Returns the pack's path."""
    path, offset, size, kind, digest, document = store_layout.latest_entry(data_dir, bucket, key)
    assert kind == 1, "the key's latest entry is not a document"
    with open(path, "r+b") as handle:
        if how == "future-field":
            assert document.rstrip().endswith(b"}")
            handle.seek(0, os.SEEK_END)
            handle.write(store_layout.encode_entry(1, digest, document.rstrip()[:-1] + b',"storageClassOfTheFuture":{"tier":"glacier-x"}}'))
            return path
        handle.seek(offset)
        original = handle.read(size)
        if how == "truncated":
            damaged = original[:size // 2] + bytes(size - size // 2)
        elif how == "empty":
            damaged = bytes(size)
        elif how == "garbage":
            damaged = rng.randbytes(size)
        elif how == "bit-flip":
            position = original.index(b'"size"') if b'"size"' in original else size // 2
            damaged = original[:position] + bytes([original[position] ^ 0x40]) + original[position + 1:]
        else:
            raise AssertionError(how)
        handle.seek(offset)
        handle.write(damaged)
    return path


def damage(path, how, rng):
    with open(path, "rb") as handle:
        original = handle.read()
    if how == "truncated":
        damaged = original[:len(original) // 2]
    elif how == "empty":
        damaged = b""
    elif how == "garbage":
        damaged = rng.randbytes(200)
    elif how == "bit-flip":
        position = original.index(b'"size"') if b'"size"' in original else len(original) // 2
        damaged = original[:position] + bytes([original[position] ^ 0x40]) + original[position + 1:]
    elif how == "future-field":
        assert original.rstrip().endswith(b"}")
        damaged = original.rstrip()[:-1] + b',"storageClassOfTheFuture":{"tier":"glacier-x"}}'
    else:
        raise AssertionError(how)
    with open(path, "wb") as handle:
        handle.write(damaged)


@pytest.fixture
def stored(tmp_path):
    """A stopped server's data directory with 20 objects in one bucket, 5 in another, all larger
    than 8 KiB (each with a data file), and 3 small ones (kept inline in their documents) in the
    first."""
    rng = random.Random(SEED)
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    contents = {"damage": {}, "other": {}}
    server.start()
    try:
        s3 = server.client()
        for bucket, count in [("damage", 20), ("other", 5)]:
            s3.create_bucket(Bucket=bucket)
            for index in range(count):
                data = rng.randbytes(rng.randrange(INLINE_LIMIT + 1, 200_000))
                key = f"obj/{index:02d}"
                s3.put_object(Bucket=bucket, Key=key, Body=data)
                contents[bucket][key] = data
        for index in range(3):
            data = rng.randbytes(rng.randrange(0, INLINE_LIMIT + 1))
            s3.put_object(Bucket="damage", Key=f"small/{index:02d}", Body=data)
            contents["damage"][f"small/{index:02d}"] = data
    finally:
        server.stop()
    return server, contents, rng


def check_objects(s3, bucket, expected, context):
    for key, data in expected.items():
        try:
            got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            raise AssertionError(f"{context}: {bucket}/{key} cannot be read: {error.response['Error']}") from error
        assert got == data, f"{context}: {bucket}/{key} reads other bytes"
    listed = {e["Key"] for e in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert set(expected) <= listed, f"{context}: not listed: {set(expected) - listed}"


@pytest.mark.parametrize("victim", ["obj/07", "small/01"])
@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "bit-flip", "future-field"])
def test_damaged_object_metadata_loses_nothing_else(stored, how, victim):
    """Damage to one object's document loses nothing of any other object. A small object's bytes
    are inside its document (inline): what the damage left of them is moved aside with it."""
    server, contents, rng = stored
    inline = victim.startswith("small/")
    path = metadata_path(server.data_dir, "damage", victim)
    # A small object's document is an entry of the bucket's packs, a larger one's a file.
    assert os.path.exists(path) != inline, f"layout changed? metadata file at {path}: {os.path.exists(path)}"
    before = data_files(server.data_dir)
    assert len(before) == 25, f"expected one data file per object larger than 8 KiB, found {len(before)}"
    victim_data_digest = sha(contents["damage"][victim])
    assert (victim_data_digest in before.values()) != inline
    if inline:
        path = damage_pack_entry(server.data_dir, "damage", victim, how, rng)
        # A start that trusts its index reads a pack entry only for a GET: without it, the start
        # walks every pack, past the damage to the entries after it.
        for name in os.listdir(os.path.join(server.data_dir, ".mss")):
            if name.startswith("index.sqlite"):
                os.remove(os.path.join(server.data_dir, ".mss", name))
    else:
        damage(path, how, rng)

    server.start()
    try:
        s3 = server.client()
        others = {k: v for k, v in contents["damage"].items() if k != victim}
        check_objects(s3, "damage", others, f"metadata {how}")
        check_objects(s3, "other", contents["other"], f"metadata {how}")
        if how == "future-field":
            # An unknown field is not damage: the object is served as before.
            assert s3.get_object(Bucket="damage", Key=victim)["Body"].read() == contents["damage"][victim]
        else:
            try:
                got = s3.get_object(Bucket="damage", Key=victim)["Body"].read()
                assert got == contents["damage"][victim], "the damaged object came back with other bytes"
            except ClientError as error:
                assert error.response["ResponseMetadata"]["HTTPStatusCode"] in (404, 500, 503), error.response
        # Still a working store.
        s3.put_object(Bucket="damage", Key="after", Body=b"after the damage")
        assert s3.get_object(Bucket="damage", Key="after")["Body"].read() == b"after the damage"
    finally:
        server.stop()

    after = data_files(server.data_dir)
    still_there = {path for path in before if path in after and after[path] == before[path]}
    lost = set(before) - still_there
    if inline:
        # The damaged entry, with whatever is left of the bytes inside it, stays in its pack,
        # never deleted.
        assert os.path.exists(path), f"the pack of the damaged entry is gone\nserver log:\n{server.log_tail()}"
    # The victim's bytes may be moved aside with its metadata, but they must not be deleted.
    if lost:
        assert not inline, f"data files were removed or changed by damage to an inline object's document: {sorted(lost)}"
        assert lost == {p for p, d in before.items() if d == victim_data_digest}, \
            f"data files of intact objects were removed or changed: {sorted(lost)}"
        assert victim_data_digest in every_file_digest(server.data_dir), \
            f"the data file of the object with damaged metadata was deleted: {sorted(lost)}\nserver log:\n{server.log_tail()}"


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty"])
def test_damaged_bucket_json_keeps_the_bucket(stored, how):
    server, contents, rng = stored
    path = os.path.join(server.data_dir, "buckets", "other", "bucket.json")
    assert os.path.exists(path), f"layout changed? no {path}"
    before = data_files(server.data_dir)
    damage(path, how, rng)
    server.start()
    try:
        s3 = server.client()
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        assert "other" in names, f"the bucket with a damaged bucket.json is gone: {names}\nserver log:\n{server.log_tail()}"
        check_objects(s3, "other", contents["other"], f"bucket.json {how}")
        check_objects(s3, "damage", contents["damage"], f"bucket.json {how}")
        s3.put_object(Bucket="other", Key="after", Body=b"x")
    finally:
        server.stop()
    after = data_files(server.data_dir)
    assert all(after.get(path) == digest for path, digest in before.items()), "data files were removed or changed"


def test_check_command_reports_damaged_metadata(stored):
    import subprocess

    from server_process import BINARY

    server, contents, rng = stored
    path = metadata_path(server.data_dir, "damage", "obj/03")
    damage(path, "truncated", rng)
    before = every_file_digest(server.data_dir), sorted(os.listdir(os.path.dirname(path)))
    result = subprocess.run([BINARY, "--check", server.data_dir], capture_output=True, timeout=120)
    output = (result.stdout + result.stderr).decode(errors="replace")
    assert os.path.basename(path) in output, f"--check (exit {result.returncode}) does not name {path}:\n{output[-2000:]}"
    # Checking only reports: nothing is changed.
    assert (every_file_digest(server.data_dir), sorted(os.listdir(os.path.dirname(path)))) == before
