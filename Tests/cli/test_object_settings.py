"""Object settings on cp/mv/sync (--content-type, --metadata, --cache-control, --content-disposition,
--acl, --preserve), checked with `mss stat --json` and with boto3's head_object against mss-server and
Ceph RGW; remote copies that replace settings; copies and syncs between the two servers with
--source-profile."""
import hashlib
import os
import uuid

import boto3
import pytest
from botocore.config import Config

from conftest import Runner, clean_env

MIB = 1024 * 1024
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def s3_client(env):
    return boto3.client(
        "s3", endpoint_url=env["MSS_ENDPOINT"], aws_access_key_id=env["MSS_ACCESS_KEY"],
        aws_secret_access_key=env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def public_read(s3, bucket, key):
    grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in grants)


SETTINGS = [
    "--content-type", "application/x-custom", "--metadata", "owner=ops", "--metadata", "Formula=a=b+c",
    "--cache-control", "max-age=3600", "--content-disposition", 'attachment; filename="r.bin"', "--acl", "public-read",
]


def assert_settings(cli, s3, bucket, key):
    [info] = cli.json("stat", f"mss://{bucket}/{key}")
    assert info["contentType"] == "application/x-custom"
    assert info["cacheControl"] == "max-age=3600" and info["contentDisposition"] == 'attachment; filename="r.bin"'
    text = cli("stat", f"mss://{bucket}/{key}").stdout.decode()
    assert "Cache-Control: max-age=3600" in text and 'Content-Disposition: attachment; filename="r.bin"' in text
    # Names are lower-cased; a value keeps every '=' after the first.
    assert {k: v for k, v in info["metadata"].items() if k != "mss-attrs"} == {"owner": "ops", "formula": "a=b+c"}
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "application/x-custom"
    assert head["CacheControl"] == "max-age=3600"
    assert head["ContentDisposition"] == 'attachment; filename="r.bin"'
    assert {k: v for k, v in head["Metadata"].items() if k != "mss-attrs"} == {"owner": "ops", "formula": "a=b+c"}
    assert public_read(s3, bucket, key)


def test_settings_on_single_multipart_tree_stdin_and_sync_uploads(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    small = write(tmp_path / "report.txt", b"numbers\n")
    big = write(tmp_path / "big.bin", os.urandom(11 * MIB))  # multipart at --part-size 5: settings go with the initiate
    tree = tmp_path / "tree"
    write(tree / "a.txt", b"a")
    write(tree / "sub/b.txt", b"b")
    cli("cp", *SETTINGS, str(small), f"mss://{cli_bucket}/one")
    cli("cp", *SETTINGS, "--part-size", "5", str(big), f"mss://{cli_bucket}/big")
    cli("cp", "-r", *SETTINGS, str(tree), f"mss://{cli_bucket}/tree")
    cli("cp", *SETTINGS, "-", f"mss://{cli_bucket}/piped", input=b"piped")
    cli("sync", *SETTINGS, str(tree), f"mss://{cli_bucket}/synced")
    for key in ["one", "big", "tree/a.txt", "tree/sub/b.txt", "piped", "synced/sub/b.txt"]:
        assert_settings(cli, s3, cli_bucket, key)
    assert s3.head_object(Bucket=cli_bucket, Key="big")["ETag"].strip('"').endswith("-3")
    # Without settings: the guessed type, no metadata, private.
    cli("cp", str(small), f"mss://{cli_bucket}/plain.txt")
    head = s3.head_object(Bucket=cli_bucket, Key="plain.txt")
    assert head["ContentType"].startswith("text/plain") and head["Metadata"] == {} and "CacheControl" not in head
    assert not public_read(s3, cli_bucket, "plain.txt")


def test_remote_copy_replaces_or_keeps_settings(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    source = write(tmp_path / "page.html", b"<p>hi</p>")
    cli("cp", "--metadata", "origin=first", "--cache-control", "no-cache", str(source), f"mss://{cli_bucket}/page.html")
    # A plain copy keeps everything.
    cli("cp", f"mss://{cli_bucket}/page.html", f"mss://{cli_bucket}/kept.html")
    head = s3.head_object(Bucket=cli_bucket, Key="kept.html")
    assert head["Metadata"] == {"origin": "first"} and head["CacheControl"] == "no-cache" and head["ContentType"].startswith("text/html")
    # New settings replace what they name (REPLACE); what they leave out comes from the source.
    [copied] = cli.json("cp", "--content-type", "text/plain", "--metadata", "origin=second", f"mss://{cli_bucket}/page.html", f"mss://{cli_bucket}/replaced.html")
    assert copied["serverSide"] is True
    head = s3.head_object(Bucket=cli_bucket, Key="replaced.html")
    assert head["ContentType"] == "text/plain" and head["Metadata"] == {"origin": "second"} and head["CacheControl"] == "no-cache"
    assert s3.get_object(Bucket=cli_bucket, Key="replaced.html")["Body"].read() == b"<p>hi</p>"
    # An ACL alone keeps the headers.
    cli("cp", "--acl", "public-read", f"mss://{cli_bucket}/page.html", f"mss://{cli_bucket}/public.html")
    head = s3.head_object(Bucket=cli_bucket, Key="public.html")
    assert head["Metadata"] == {"origin": "first"} and public_read(s3, cli_bucket, "public.html")
    # Settings in place: a copy onto itself rewrites the headers, the bytes stay.
    cli("cp", "--metadata", "origin=in-place", f"mss://{cli_bucket}/page.html", f"mss://{cli_bucket}/page.html")
    assert s3.head_object(Bucket=cli_bucket, Key="page.html")["Metadata"] == {"origin": "in-place"}
    # ... but mv onto itself would lose the object, so it is refused.
    assert cli("mv", "--metadata", "a=b", f"mss://{cli_bucket}/page.html", f"mss://{cli_bucket}/page.html", check=False).returncode == 2
    # Recursive copies and mv take settings too.
    cli("cp", "-r", "--metadata", "batch=7", f"mss://{cli_bucket}/", f"mss://{cli_bucket}/copies/")
    assert s3.head_object(Bucket=cli_bucket, Key="copies/kept.html")["Metadata"] == {"batch": "7"}
    cli("mv", "--content-type", "text/x-moved", f"mss://{cli_bucket}/kept.html", f"mss://{cli_bucket}/moved.html")
    assert s3.head_object(Bucket=cli_bucket, Key="moved.html")["ContentType"] == "text/x-moved"
    assert cli("stat", f"mss://{cli_bucket}/kept.html", check=False).returncode == 1


def test_bad_settings_are_usage_errors(cli, cli_bucket, tmp_path):
    source = write(tmp_path / "f.txt", b"f")
    cases = {
        ("--metadata", "novalue"): b"NAME=VALUE",
        ("--metadata", "=value"): b"no name",
        ("--metadata", "bad key=v"): b"may hold only",
        ("--metadata", "caf\u00e9=v"): b"may hold only",
        ("--metadata", "a=1", "--metadata", "A=2"): b"twice",
        ("--metadata", "a=line\nbreak"): b"printable ASCII",
        ("--acl", "world-writable"): b"--acl must be one of private, public-read",
        ("--content-type", "text/plain\r\nX-Evil: 1"): b"printable ASCII",
        ("--preserve", "--metadata", "mss-attrs=x"): b"--preserve",
    }
    for flags, message in cases.items():
        result = cli("cp", *flags, str(source), f"mss://{cli_bucket}/f.txt", check=False)
        assert result.returncode == 2 and message in result.stderr, (flags, result.stderr)
        assert result.stderr.startswith(b"mss: error: ")
    # Nothing was written by any of them.
    assert cli.json("ls", "-r", f"mss://{cli_bucket}") == []
    # Every canned ACL is accepted.
    for acl in ["private", "public-read", "public-read-write", "authenticated-read", "bucket-owner-read", "bucket-owner-full-control"]:
        cli("cp", "--acl", acl, str(source), f"mss://{cli_bucket}/{acl}")
    # Settings of stored objects mean nothing for local files: refused, not ignored.
    for args in (["cp", "--acl", "private", f"mss://{cli_bucket}/private", str(tmp_path / "down")],
                 ["cp", "--content-type", "text/plain", f"mss://{cli_bucket}/private", "-"],
                 ["sync", "--metadata", "a=b", f"mss://{cli_bucket}/", str(tmp_path / "mirror")]):
        result = cli(*args, check=False)
        assert result.returncode == 2 and b"writes local files" in result.stderr, (args, result.stderr)
    assert not (tmp_path / "down").exists() and not (tmp_path / "mirror").exists()


def test_preserve_keeps_mode_and_times(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    source = write(tmp_path / "script.sh", b"#!/bin/sh\necho hi\n")
    os.chmod(source, 0o751)
    when = 981173106.25  # 2001-02-03, with a fraction
    os.utime(source, (when, when))
    cli("cp", "--preserve", str(source), f"mss://{cli_bucket}/script.sh")
    attrs = s3.head_object(Bucket=cli_bucket, Key="script.sh")["Metadata"]["mss-attrs"]
    fields = dict(field.split(":", 1) for field in attrs.split("/"))
    assert fields["mode"] == "0751" and float(fields["mtime"]) == when and fields["uid"] == str(os.getuid())
    [info] = cli.json("stat", f"mss://{cli_bucket}/script.sh")
    assert info["metadata"]["mss-attrs"] == attrs

    restored = tmp_path / "restored.sh"
    cli("cp", "--preserve", f"mss://{cli_bucket}/script.sh", str(restored))
    assert restored.stat().st_mode & 0o7777 == 0o751 and abs(restored.stat().st_mtime - when) < 1e-3
    plain = tmp_path / "plain.sh"
    cli("cp", f"mss://{cli_bucket}/script.sh", str(plain))
    assert plain.stat().st_mode & 0o7777 != 0o751 and abs(plain.stat().st_mtime - when) > 3600
    # Trees and sync too; a second sync with --preserve has nothing to do (the MD5 matches).
    tree = tmp_path / "tree"
    write(tree / "x/y.txt", b"y")
    os.chmod(tree / "x/y.txt", 0o600)
    os.utime(tree / "x/y.txt", (1e9, 1e9))
    cli("sync", "--preserve", str(tree), f"mss://{cli_bucket}/tree")
    cli("cp", "-r", "--preserve", f"mss://{cli_bucket}/tree", str(tmp_path / "copied"))
    assert (tmp_path / "copied/x/y.txt").stat().st_mode & 0o7777 == 0o600
    assert (tmp_path / "copied/x/y.txt").stat().st_mtime == 1e9
    cli("sync", "--preserve", f"mss://{cli_bucket}/tree", str(tmp_path / "mirror"))
    assert (tmp_path / "mirror/x/y.txt").stat().st_mtime == 1e9
    assert cli.json("sync", "--preserve", f"mss://{cli_bucket}/tree", str(tmp_path / "mirror")) == []
    # A value someone else wrote that does not parse is ignored, not fatal.
    s3.put_object(Bucket=cli_bucket, Key="odd", Body=b"odd", Metadata={"mss-attrs": "mode:99999999999/mtime:nan/junk"})
    cli("cp", "--preserve", f"mss://{cli_bucket}/odd", str(tmp_path / "odd"))
    assert (tmp_path / "odd").read_bytes() == b"odd"


def two_servers():
    if not os.environ.get("MSS_RGW_ENDPOINT") or not os.environ.get("MSS_SERVER_ENDPOINT"):
        pytest.skip("needs mss-server and Ceph RGW")
    return (
        dict(MSS_ENDPOINT=os.environ["MSS_SERVER_ENDPOINT"], MSS_ACCESS_KEY=os.environ["MSS_SERVER_ACCESS_KEY"],
             MSS_SECRET_KEY=os.environ["MSS_SERVER_SECRET_KEY"], MSS_SIGNATURE="v4"),
        dict(MSS_ENDPOINT=os.environ["MSS_RGW_ENDPOINT"], MSS_ACCESS_KEY=os.environ["MSS_RGW_ACCESS_KEY"],
             MSS_SECRET_KEY=os.environ["MSS_RGW_SECRET_KEY"], MSS_SIGNATURE="v4"),
    )


def test_copy_and_sync_between_two_servers_with_source_profile(tmp_path):
    mss_env, rgw_env = two_servers()
    home = tmp_path / "home"
    base = clean_env(home)
    # RGW is a profile; mss-server comes from the environment.
    setup = Runner(base, "config")
    for key, value in [("endpoint", rgw_env["MSS_ENDPOINT"]), ("access-key", rgw_env["MSS_ACCESS_KEY"]),
                       ("secret-key", rgw_env["MSS_SECRET_KEY"]), ("signature", "v4")]:
        setup("config", "set", "--profile", "ceph", key, value)
    # And mss-server as a profile too, for the same-endpoint case.
    for key, value in [("endpoint", mss_env["MSS_ENDPOINT"]), ("access-key", mss_env["MSS_ACCESS_KEY"]),
                       ("secret-key", mss_env["MSS_SECRET_KEY"]), ("signature", "v4")]:
        setup("config", "set", "--profile", "local", key, value)
    on_mss = Runner({**base, **mss_env}, "mss")
    on_rgw = Runner({**base, **rgw_env}, "rgw")
    source_bucket, target_bucket = f"cli-src-{uuid.uuid4().hex[:12]}", f"cli-dst-{uuid.uuid4().hex[:12]}"
    on_rgw("mb", f"mss://{source_bucket}")
    on_mss("mb", f"mss://{target_bucket}")
    try:
        big = os.urandom(12 * MIB + 3)
        on_rgw("cp", "--part-size", "5", "--content-type", "application/x-big", "--metadata", "from=ceph", "-",
               f"mss://{source_bucket}/data/big.bin", input=big)
        on_rgw("cp", "-", f"mss://{source_bucket}/data/small.txt", input=b"small")
        # One object, streamed between the servers in ranged parts; headers travel along.
        [copied] = on_mss.json("cp", "--source-profile", "ceph", "--part-size", "5", f"mss://{source_bucket}/data/big.bin", f"mss://{target_bucket}/big.bin")
        assert copied["serverSide"] is False and copied["size"] == len(big)
        assert hashlib.sha256(on_mss("cp", f"mss://{target_bucket}/big.bin", "-").stdout).digest() == hashlib.sha256(big).digest()
        s3 = s3_client(mss_env)
        head = s3.head_object(Bucket=target_bucket, Key="big.bin")
        assert head["ContentType"] == "application/x-big" and head["Metadata"] == {"from": "ceph"}
        # With new settings.
        on_mss("cp", "--source-profile", "ceph", "--metadata", "from=copy", "--acl", "public-read",
               f"mss://{source_bucket}/data/small.txt", f"mss://{target_bucket}/small.txt")
        assert s3.head_object(Bucket=target_bucket, Key="small.txt")["Metadata"] == {"from": "copy"}
        assert public_read(s3, target_bucket, "small.txt")
        # Sync and diff between the two servers.
        assert on_mss("diff", "--source-profile", "ceph", f"mss://{source_bucket}/data", f"mss://{target_bucket}/mirror", check=False).returncode == 1
        synced = on_mss.json("sync", "--source-profile", "ceph", f"mss://{source_bucket}/data", f"mss://{target_bucket}/mirror")
        assert sorted(e["path"] for e in synced) == [f"mss://{target_bucket}/mirror/big.bin", f"mss://{target_bucket}/mirror/small.txt"]
        assert all(e["action"] == "copy" for e in synced)
        assert on_mss.json("sync", "--source-profile", "ceph", f"mss://{source_bucket}/data", f"mss://{target_bucket}/mirror") == []
        assert on_mss("diff", "--source-profile", "ceph", f"mss://{source_bucket}/data", f"mss://{target_bucket}/mirror").returncode == 0
        assert on_mss("cat", f"mss://{target_bucket}/mirror/small.txt").stdout == b"small"
        # mv with a source profile removes the source on its own server.
        on_mss("mv", "--source-profile", "ceph", f"mss://{source_bucket}/data/small.txt", f"mss://{target_bucket}/moved.txt")
        assert on_rgw("stat", f"mss://{source_bucket}/data/small.txt", check=False).returncode == 1
        assert on_mss("cat", f"mss://{target_bucket}/moved.txt").stdout == b"small"
        # A profile on the same endpoint and key: the copy happens on the server.
        [same] = on_mss.json("cp", "--source-profile", "local", f"mss://{target_bucket}/big.bin", f"mss://{target_bucket}/again.bin")
        assert same["serverSide"] is True
        # A missing profile, a profile without an endpoint, a local source: usage errors in plain words.
        missing = on_mss("cp", "--source-profile", "nowhere", f"mss://{source_bucket}/data/big.bin", f"mss://{target_bucket}/x", check=False)
        assert missing.returncode == 2 and b"there is no profile 'nowhere'" in missing.stderr
        setup("config", "set", "--profile", "keysonly", "access-key", "k")
        empty = on_mss("cp", "--source-profile", "keysonly", f"mss://{source_bucket}/data/big.bin", f"mss://{target_bucket}/x", check=False)
        assert empty.returncode == 2 and b"has no endpoint" in empty.stderr
        local = on_mss("cp", "--source-profile", "ceph", str(tmp_path), f"mss://{target_bucket}/x", check=False)
        assert local.returncode == 2 and b"--source-profile" in local.stderr
    finally:
        on_rgw("rb", "--force", f"mss://{source_bucket}", check=False)
        on_mss("rb", "--force", f"mss://{target_bucket}", check=False)
