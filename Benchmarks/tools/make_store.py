#!/usr/bin/env python3
"""Fills a bucket of an mss-server data directory with COUNT objects, written straight to disk in
the layout and encoding a commit produces (Sources/MSSServer/Storage/ObjectStore.swift), without a
fsync each, so that a scale benchmark measures the server and not hours of PUTs.

    make_store.py DATA_DIR BUCKET COUNT [--versions-every N]

The bucket must exist (created through the S3 API, so its bucket.json is the server's own); its
owner owns every object. Keys look like photo libraries: d<0-99>/s<0-19>/f-<n>.jpg, in random
order of creation. With --versions-every N, every Nth key also gets a noncurrent version (the
bucket must then have versioning enabled). Each object's data file holds 4 bytes; its metadata is
~300 bytes of JSON, as a real object's.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time
import uuid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("bucket")
    parser.add_argument("count", type=int)
    parser.add_argument("--versions-every", type=int, default=0)
    arguments = parser.parse_args()

    bucket_dir = os.path.join(arguments.data, "buckets", arguments.bucket)
    with open(os.path.join(bucket_dir, "bucket.json")) as handle:
        bucket = json.load(handle)
    owner = bucket["acl"]["owner"]
    versioned = bucket.get("versioning") == "Enabled"
    if arguments.versions_every and not versioned:
        sys.exit("make_store.py: --versions-every needs a bucket with versioning enabled")
    acl = {"grants": [{"id": owner, "permission": "FULL_CONTROL"}], "owner": owner}
    objects = os.path.join(bucket_dir, "objects")
    for shard in range(256):
        os.makedirs(os.path.join(objects, f"{shard:02x}"), mode=0o700, exist_ok=True)

    numbers = list(range(arguments.count))
    random.Random(7).shuffle(numbers)
    now = int(time.time() * 1000)
    started = time.monotonic()

    def version(key, modified):
        data_version = str(uuid.uuid4())
        entry = {
            "acl": acl, "checksums": {}, "contentHeaders": {}, "contentType": "image/jpeg",
            "etag": "c4ca4238a0b923820dcc509a6f75849b", "formatVersion": 1, "key": key,
            "lastModified": modified, "metadata": {}, "size": 4, "version": data_version,
        }
        if versioned:
            entry["versionID"] = data_version.replace("-", "")
        return entry

    for done, number in enumerate(numbers):
        key = f"d{number % 100}/s{(number // 100) % 20}/f-{number:08d}.jpg"
        digest = hashlib.sha256(key.encode()).hexdigest()
        shard = os.path.join(objects, digest[:2])
        current = version(key, now - number)
        noncurrent = []
        if arguments.versions_every and number % arguments.versions_every == 0:
            noncurrent.append(version(key, now - number - 86_400_000))
        if noncurrent:
            current["noncurrent"] = noncurrent
        for entry in [current] + noncurrent:
            descriptor = os.open(os.path.join(shard, f"{digest}.{entry['version']}"), os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.write(descriptor, b"four")
            os.close(descriptor)
        document = json.dumps(current, sort_keys=True, separators=(",", ":")).encode()
        descriptor = os.open(os.path.join(shard, f"{digest}.json"), os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.write(descriptor, document)
        os.close(descriptor)
        if done and done % 100_000 == 0:
            print(f"make_store: {done} objects, {done / (time.monotonic() - started):.0f}/s", file=sys.stderr)
    print(f"make_store: {arguments.count} objects in {time.monotonic() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
