"""Versioning through the `mss` executable against mss-server (and Ceph RGW when configured),
with SigV2 and SigV4: `mss version`, `ls --versions`, `--version-id` on cp, cat, stat and rm,
`rm --all-versions`, and `rb --force` on a versioned bucket. Results are read from --json."""
import concurrent.futures
import os

import boto3
import botocore.config
import pytest


def write(path, data):
    path.write_bytes(data)
    return path


def versions(mss, path, *flags):
    return [e for e in mss.json("ls", "--versions", *flags, path) if e["type"] != "prefix"]


def raw_versions(client, bucket):
    """Every version and delete marker, as boto3 sees them: what the CLI did, checked without it."""
    found = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        found += [(v["Key"], v["VersionId"]) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    return found


def boto3_client(mss):
    return boto3.client(
        "s3", endpoint_url=mss.env["MSS_ENDPOINT"], aws_access_key_id=mss.env["MSS_ACCESS_KEY"],
        aws_secret_access_key=mss.env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=botocore.config.Config(s3={"addressing_style": "path"}, max_pool_connections=16))


def test_version_status_enable_suspend(mss, bucket):
    assert mss.json("version", "status", f"mss://{bucket}") == [{"bucket": bucket, "status": "unversioned", "type": "versioning"}]
    assert mss.json("version", "enable", f"mss://{bucket}") == [{"bucket": bucket, "status": "enabled", "type": "versioning"}]
    assert mss("version", "status", f"mss://{bucket}").stdout.decode() == f"mss://{bucket}: versioning enabled\n"
    assert mss.json("version", "suspend", f"mss://{bucket}")[0]["status"] == "suspended"
    assert mss.json("version", "status", f"mss://{bucket}")[0]["status"] == "suspended"
    # A key is a usage error; a missing bucket is a failure in plain words.
    assert mss("version", "status", f"mss://{bucket}/key", check=False).returncode == 2
    missing = mss("version", "enable", "mss://no-such-bucket-" + os.urandom(4).hex(), check=False)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr
    assert b"version" in mss("--help").stdout


def test_versions_from_upload_to_restore(mss, bucket, tmp_path):
    mss("version", "enable", f"mss://{bucket}")
    contents = [b"first\n", b"second version\n", b"third and latest\n"]
    for number, data in enumerate(contents):
        mss("cp", str(write(tmp_path / f"v{number}.txt", data)), f"mss://{bucket}/doc.txt")
    mss("cp", str(write(tmp_path / "other.txt", b"other")), f"mss://{bucket}/dir/other.txt")

    # Newest first, one latest, sizes matching what was written.
    listed = versions(mss, f"mss://{bucket}/doc.txt")
    assert [e["size"] for e in listed] == [len(d) for d in reversed(contents)]
    assert [e["latest"] for e in listed] == [True, False, False]
    assert all(e["type"] == "version" and not e["deleteMarker"] and e["key"] == "doc.txt" and e["lastModified"] for e in listed)
    assert len({e["versionId"] for e in listed}) == 3
    newest, middle, oldest = (e["versionId"] for e in listed)

    # One level by default, like ls; everything with --recursive.
    top = mss.json("ls", "--versions", f"mss://{bucket}")
    assert {"type": "prefix", "key": "dir/"} in top and {e["key"] for e in top if e["type"] != "prefix"} == {"doc.txt"}
    assert {e["key"] for e in versions(mss, f"mss://{bucket}", "-r")} == {"doc.txt", "dir/other.txt"}
    human = mss("ls", "--versions", f"mss://{bucket}/doc.txt").stdout.decode().splitlines()
    assert len(human) == 3 and "latest" in human[0] and newest in human[0] and "latest" not in human[1] + human[2]

    # Older versions read back through cat, cp (download and server-side copy) and stat.
    assert mss("cat", "--version-id", oldest, f"mss://{bucket}/doc.txt").stdout == contents[0]
    assert mss("cat", f"mss://{bucket}/doc.txt").stdout == contents[2]
    [down] = mss.json("cp", "--version-id", middle, f"mss://{bucket}/doc.txt", str(tmp_path / "middle.txt"))
    assert down["versionId"] == middle and (tmp_path / "middle.txt").read_bytes() == contents[1]
    [copied] = mss.json("cp", "--version-id", oldest, f"mss://{bucket}/doc.txt", f"mss://{bucket}/restored.txt")
    assert copied["versionId"] == oldest and mss("cat", f"mss://{bucket}/restored.txt").stdout == contents[0]
    [info] = mss.json("stat", "--version-id", middle, f"mss://{bucket}/doc.txt")
    assert info["versionId"] == middle and info["size"] == len(contents[1]) and info["type"] == "object"
    assert mss.json("stat", f"mss://{bucket}/doc.txt")[0]["versionId"] == newest
    assert f"Version:      {oldest}" in mss("stat", "--version-id", oldest, f"mss://{bucket}/doc.txt").stdout.decode()

    # A version id that is not there, an empty one, and misuse.
    # Ceph RGW's ids may begin with '-': the option takes the next argument whatever it looks like.
    dash = mss("cat", "--version-id", "-not-a-version", f"mss://{bucket}/doc.txt", check=False)
    assert dash.returncode == 1 and f"mss://{bucket}/doc.txt has no version -not-a-version".encode() in dash.stderr
    nosuch = mss("cat", "--version-id", "0" * 32, f"mss://{bucket}/doc.txt", check=False)
    assert nosuch.returncode == 1 and f"mss://{bucket}/doc.txt has no version {'0' * 32}".encode() in nosuch.stderr
    assert mss("stat", "--version-id", "0" * 32, f"mss://{bucket}/doc.txt", check=False).returncode == 1
    assert mss("cat", "--version-id", "", f"mss://{bucket}/doc.txt", check=False).returncode == 2
    assert mss("cp", "--version-id", oldest, str(tmp_path / "v0.txt"), f"mss://{bucket}/x", check=False).returncode == 2
    assert mss("cp", "-r", "--version-id", oldest, f"mss://{bucket}/doc.txt", str(tmp_path / "t"), check=False).returncode == 2
    assert mss("rm", "-r", "--version-id", oldest, f"mss://{bucket}/doc.txt", check=False).returncode == 2

    # rm in a versioned bucket makes a delete marker and says so; the versions stay.
    [removed] = mss.json("rm", f"mss://{bucket}/doc.txt")
    assert removed["action"] == "removed" and removed["deleteMarker"] is True and removed["versionId"]
    marker = removed["versionId"]
    listed = versions(mss, f"mss://{bucket}/doc.txt")
    assert [(e["versionId"], e["latest"], e["deleteMarker"]) for e in listed] == [
        (marker, True, True), (newest, False, False), (middle, False, False), (oldest, False, False)]
    assert listed[0]["type"] == "deleteMarker" and listed[0]["size"] is None
    assert "(deleted)" in mss("ls", "--versions", f"mss://{bucket}/doc.txt").stdout.decode().splitlines()[0]
    gone = mss("cat", f"mss://{bucket}/doc.txt", check=False)
    assert gone.returncode == 1
    assert f"mss://{bucket}/doc.txt was deleted: its latest version is delete marker {marker}".encode() in gone.stderr
    assert mss("stat", f"mss://{bucket}/doc.txt", check=False).returncode == 1
    assert mss("cp", f"mss://{bucket}/doc.txt", str(tmp_path / "gone.txt"), check=False).returncode == 1
    assert not (tmp_path / "gone.txt").exists()
    # The old versions still read; the marker says what it is.
    assert mss("cat", "--version-id", newest, f"mss://{bucket}/doc.txt").stdout == contents[2]
    [about] = mss.json("stat", "--version-id", marker, f"mss://{bucket}/doc.txt")
    assert about == {"bucket": bucket, "deleteMarker": True, "key": "doc.txt", "lastModified": about["lastModified"],
                     "latest": True, "type": "deleteMarker", "versionId": marker}
    assert "delete marker" in mss("stat", "--version-id", marker, f"mss://{bucket}/doc.txt").stdout.decode()
    no_content = mss("cat", "--version-id", marker, f"mss://{bucket}/doc.txt", check=False)
    assert no_content.returncode == 1 and b"is a delete marker" in no_content.stderr
    assert mss("cp", "--version-id", marker, f"mss://{bucket}/doc.txt", str(tmp_path / "m.txt"), check=False).returncode == 1
    assert not (tmp_path / "m.txt").exists()
    assert mss("cp", "--version-id", marker, f"mss://{bucket}/doc.txt", f"mss://{bucket}/m.txt", check=False).returncode == 1

    # Removing the marker by its id brings the key back; removing a version removes exactly it.
    [restored] = mss.json("rm", "--version-id", marker, f"mss://{bucket}/doc.txt")
    assert restored["versionId"] == marker and restored["deleteMarker"] is True
    assert mss("cat", f"mss://{bucket}/doc.txt").stdout == contents[2]
    again = mss("rm", "--version-id", marker, f"mss://{bucket}/doc.txt", check=False)
    assert again.returncode == 1 and b"has no version" in again.stderr
    [dry] = mss.json("rm", "--dry-run", "--version-id", middle, f"mss://{bucket}/doc.txt")
    assert dry["action"] == "would-remove" and len(versions(mss, f"mss://{bucket}/doc.txt")) == 3
    [one] = mss.json("rm", "--version-id", middle, f"mss://{bucket}/doc.txt")
    assert one == {"action": "removed", "bucket": bucket, "deleteMarker": False, "key": "doc.txt", "versionId": middle}
    assert [e["versionId"] for e in versions(mss, f"mss://{bucket}/doc.txt")] == [newest, oldest]

    # Suspended: new writes and deletes use the null version; what was kept stays.
    mss("version", "suspend", f"mss://{bucket}")
    mss("cp", str(tmp_path / "v0.txt"), f"mss://{bucket}/doc.txt")
    listed = versions(mss, f"mss://{bucket}/doc.txt")
    assert [e["versionId"] for e in listed] == ["null", newest, oldest]
    [suspended_rm] = mss.json("rm", f"mss://{bucket}/doc.txt")
    assert suspended_rm["deleteMarker"] is True and suspended_rm["versionId"] == "null"


def test_cp_version_id_of_a_multipart_sized_object(mss, bucket, tmp_path):
    """An older version bigger than the part size downloads in ranged parts of that version and
    copies server-side, both after a newer version of another size was written."""
    mss("version", "enable", f"mss://{bucket}")
    old = write(tmp_path / "old.bin", os.urandom(12 * 1024 * 1024 + 17))
    new = write(tmp_path / "new.bin", os.urandom(7 * 1024 * 1024 + 3))
    [first] = mss.json("cp", str(old), f"mss://{bucket}/big.bin", "--part-size", "5")
    mss("cp", str(new), f"mss://{bucket}/big.bin", "--part-size", "5")
    [oldest, newest] = [e["versionId"] for e in reversed(versions(mss, f"mss://{bucket}/big.bin"))]
    assert oldest != newest

    target = tmp_path / "old.back"
    [down] = mss.json("cp", "--version-id", oldest, "--part-size", "5", "--concurrency", "3", f"mss://{bucket}/big.bin", str(target))
    assert down["versionId"] == oldest and down["size"] == old.stat().st_size
    assert target.read_bytes() == old.read_bytes()
    assert not (tmp_path / "old.back.mss-partial").exists()
    # The current version is untouched by it and still reads as the newer bytes.
    mss("cp", f"mss://{bucket}/big.bin", str(tmp_path / "new.back"), "--part-size", "5")
    assert (tmp_path / "new.back").read_bytes() == new.read_bytes()

    [copied] = mss.json("cp", "--version-id", oldest, "--part-size", "5", f"mss://{bucket}/big.bin", f"mss://{bucket}/restored.bin")
    assert copied["versionId"] == oldest
    mss("cp", f"mss://{bucket}/restored.bin", str(tmp_path / "restored.back"))
    assert (tmp_path / "restored.back").read_bytes() == old.read_bytes()
    assert first["size"] == old.stat().st_size


def test_rm_recursive_leaves_markers_and_all_versions_removes_them(mss, bucket, tmp_path):
    mss("version", "enable", f"mss://{bucket}")
    for name in ["t/a.txt", "t/sub/b.txt", "keep.txt"]:
        for round in range(2):
            mss("cp", str(write(tmp_path / "f", f"{name} {round}".encode())), f"mss://{bucket}/{name}")

    # Like S3: rm -r hides the keys behind delete markers, every version is kept.
    assert sorted(e["key"] for e in mss.json("rm", "-r", f"mss://{bucket}/t/")) == ["t/a.txt", "t/sub/b.txt"]
    assert mss.json("ls", "-r", f"mss://{bucket}/t/") == []
    under = versions(mss, f"mss://{bucket}/t/", "-r")
    assert len(under) == 6 and sum(e["deleteMarker"] for e in under) == 2

    # --all-versions of one key removes its versions and no other key's.
    mss("cp", str(write(tmp_path / "g", b"keep too")), f"mss://{bucket}/keep.txt.bak")
    dry = mss.json("rm", "--all-versions", "--dry-run", f"mss://{bucket}/keep.txt")
    assert len(dry) == 2 and all(e["action"] == "would-remove" for e in dry)
    assert len(mss.json("rm", "--all-versions", f"mss://{bucket}/keep.txt")) == 2
    assert [e["key"] for e in versions(mss, f"mss://{bucket}", "-r") if not e["key"].startswith("t/")] == ["keep.txt.bak"]
    none_left = mss("rm", "--all-versions", f"mss://{bucket}/keep.txt", check=False)
    assert none_left.returncode == 1 and b"has no versions" in none_left.stderr

    # -r --all-versions removes every version and delete marker under the prefix, for good.
    removed = mss.json("rm", "-r", "--all-versions", f"mss://{bucket}/t/")
    assert sorted((e["key"], e["versionId"]) for e in removed) == sorted((e["key"], e["versionId"]) for e in under)
    assert sum(e["deleteMarker"] for e in removed) == 2
    assert versions(mss, f"mss://{bucket}/t/", "-r") == []
    assert [e["key"] for e in versions(mss, f"mss://{bucket}", "-r")] == ["keep.txt.bak"]


def test_all_versions_and_rb_force_past_one_page(mss, tmp_path):
    """More versions and delete markers than one listing page (1,000) holds, with a page boundary
    inside a key's versions: rm -r --all-versions --dry-run names them all, rb --force removes them
    all (deleting each page only once the next is listed). Paging does not depend on the
    signature, so this runs once."""
    if mss.env["MSS_SIGNATURE"] == "v2":
        pytest.skip("the same requests as with v4; one run is enough")
    name = f"cli-rbv-{os.urandom(6).hex()}"
    mss("mb", f"mss://{name}")
    mss("version", "enable", f"mss://{name}")
    client = boto3_client(mss)
    # 334 keys x 3 versions under p/, delete markers on two of them, and one key beside them.
    writes = [(f"p/{n:03d}", f"{n}-{i}".encode()) for i in range(3) for n in range(334)] + [("q", b"beside")]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda w: client.put_object(Bucket=name, Key=w[0], Body=w[1]), writes))
    for key in ["p/001", "p/333"]:
        mss("rm", f"mss://{name}/{key}")
    everything = raw_versions(client, name)
    assert len(everything) == 1005

    planned = mss.json("rm", "-r", "--all-versions", "--dry-run", f"mss://{name}/p/")
    assert len(planned) == 1004 and all(e["action"] == "would-remove" for e in planned)
    assert sum(e["deleteMarker"] for e in planned) == 2 and len(raw_versions(client, name)) == 1005

    # Without --force rb refuses in plain words; with it, nothing is left and the bucket goes.
    refused = mss("rb", f"mss://{name}", check=False)
    assert refused.returncode == 1 and b"is not empty" in refused.stderr
    gone = mss.json("rb", "--force", f"mss://{name}")
    assert gone[-1] == {"action": "removed", "name": name, "type": "bucket"}
    assert sorted((e["key"], e["versionId"]) for e in gone[:-1]) == sorted(everything)
    assert name not in [e["name"] for e in mss.json("ls")]


def test_cp_version_id_onto_its_own_key_restores_that_version(mss, bucket, tmp_path):
    mss("version", "enable", f"mss://{bucket}")
    mss("cp", str(write(tmp_path / "a.txt", b"old contents\n")), f"mss://{bucket}/doc.txt")
    mss("cp", str(write(tmp_path / "b.txt", b"new contents\n")), f"mss://{bucket}/doc.txt")
    old = versions(mss, f"mss://{bucket}/doc.txt")[-1]["versionId"]
    # Without a version it is still the same object twice: refused as a usage error.
    assert mss("cp", f"mss://{bucket}/doc.txt", f"mss://{bucket}/doc.txt", check=False).returncode == 2
    mss("cp", "--version-id", old, f"mss://{bucket}/doc.txt", f"mss://{bucket}/doc.txt")
    assert mss("cat", f"mss://{bucket}/doc.txt").stdout == b"old contents\n"
    listed = versions(mss, f"mss://{bucket}/doc.txt")
    assert len(listed) == 3 and listed[0]["latest"] and listed[0]["versionId"] != old
