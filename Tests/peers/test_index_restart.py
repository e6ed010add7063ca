"""The index of keys (`.mss/index.sqlite`) across restarts of a real mss-server (MSS_SERVER_BINARY):
after SIGTERM the next start trusts the index and reads no document; after SIGKILL, or with the
index damaged, the next start rebuilds it from the documents. Every start serves exactly what was
acknowledged, in listings, version listings and reads."""
import os
import stat

from server_process import ServerProcess

REBUILT = "index of keys rebuilt from the files"


def view(s3, bucket):
    """Everything a client can see of `bucket`: keys with sizes and ETags, versions, bodies."""
    objects = [(o["Key"], o["Size"], o["ETag"]) for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
               for o in page.get("Contents", [])]
    versions = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions += [(v["Key"], v["VersionId"], v["IsLatest"], v["Size"]) for v in page.get("Versions", [])]
        versions += [(m["Key"], m["VersionId"], m["IsLatest"], "marker") for m in page.get("DeleteMarkers", [])]
    bodies = {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key, _, _ in objects}
    return objects, sorted(versions), bodies


def rebuilds(server):
    with open(server.log_path, errors="replace") as log:
        return [line for line in log if REBUILT in line]


def test_a_clean_stop_is_trusted_and_a_kill_or_damage_rebuilds(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log")
    server.start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="restarts")
        s3.put_bucket_versioning(Bucket="restarts", VersioningConfiguration={"Status": "Enabled"})
        for index in range(40):
            s3.put_object(Bucket="restarts", Key=f"d{index % 4}/k{index:02}", Body=os.urandom(index * 37))
        for index in range(0, 40, 5):
            s3.put_object(Bucket="restarts", Key=f"d{index % 4}/k{index:02}", Body=b"again")
        for index in range(0, 40, 7):
            s3.delete_object(Bucket="restarts", Key=f"d{index % 4}/k{index:02}")
        before = view(s3, "restarts")
        assert len(before[0]) == 34 and len(before[1]) == 54

        # SIGTERM: the index is closed, and the next start reads it instead of the documents.
        server.stop()
        assert server.process.returncode == 0, server.log_tail()
        started_with = len(rebuilds(server))
        server.start()
        assert len(rebuilds(server)) == started_with, server.log_tail()
        assert view(server.client(), "restarts") == before

        # SIGKILL after more writes: the next start cannot trust the index and rebuilds it.
        s3 = server.client()
        s3.put_object(Bucket="restarts", Key="after/kill", Body=b"acknowledged before the kill")
        s3.delete_object(Bucket="restarts", Key="d1/k01")
        expected = view(s3, "restarts")
        server.kill()
        server.start()
        found = rebuilds(server)
        assert len(found) == started_with + 1 and "did not close the index cleanly" in found[-1], server.log_tail()
        assert view(server.client(), "restarts") == expected

        # A damaged index, after a clean stop: rebuilt, and nothing is lost.
        server.stop()
        index = tmp_path / "data" / ".mss" / "index.sqlite"
        with open(index, "r+b") as damaged:
            damaged.write(b"not a database" * 64)
        server.start()
        assert len(rebuilds(server)) == started_with + 2, server.log_tail()
        assert view(server.client(), "restarts") == expected
        for path in (tmp_path / "data" / ".mss").glob("index.sqlite*"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        server.stop()
