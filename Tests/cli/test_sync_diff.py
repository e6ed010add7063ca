"""`mss diff` and the sync flags (--size-only, --exact-timestamps, --delete with --dry-run, remote to
remote, --watch) end to end against mss-server and Ceph RGW: diff must show exactly the plan sync then
carries out, and its exit status says same (0), different (1) or trouble (2)."""
import json
import os
import signal
import subprocess
import time

import boto3
from botocore.config import Config

from conftest import CLI


def write(path, data, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def s3_client(cli):
    return boto3.client(
        "s3", endpoint_url=cli.env["MSS_ENDPOINT"], aws_access_key_id=cli.env["MSS_ACCESS_KEY"],
        aws_secret_access_key=cli.env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def diff_json(cli, *args):
    result = cli("diff", "--json", *args, check=False)
    return result.returncode, [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]


def test_diff_shows_the_sync_plan_both_ways(cli, cli_bucket, tmp_path):
    local = tmp_path / "site"
    write(local / "index.html", b"<h1>hi</h1>")
    write(local / "css/site.css", b"body{}")
    remote = f"mss://{cli_bucket}/site"
    code, changes = diff_json(cli, str(local), remote)
    assert code == 1
    assert {(c["change"], c["path"], c["sync"]) for c in changes} == {
        ("only-in-source", "index.html", "upload"), ("only-in-source", "css/site.css", "upload")}
    plain = cli("diff", str(local), remote, check=False)
    assert plain.returncode == 1 and plain.stdout.decode().splitlines() == ["+ css/site.css (only in source)", "+ index.html (only in source)"]

    cli("sync", str(local), remote)
    same = cli("diff", str(local), remote)
    assert same.returncode == 0 and same.stdout == b"" and b"no differences" in same.stderr

    # A size change, a file only in the target, and a newer file with the same bytes (not a difference).
    write(local / "index.html", b"<h1>hello again</h1>")
    cli("cp", "-", f"{remote}/stray.txt", input=b"stray")
    later = time.time() + 100
    os.utime(local / "css/site.css", (later, later))
    code, changes = diff_json(cli, str(local), remote)
    assert code == 1
    by_path = {c["path"]: c for c in changes}
    assert set(by_path) == {"index.html", "stray.txt"}
    assert by_path["index.html"]["change"] == "size" and by_path["index.html"]["sourceSize"] == 20 and by_path["index.html"]["targetSize"] == 11
    assert by_path["stray.txt"]["change"] == "only-in-target" and by_path["stray.txt"]["sync"] == "keep" and by_path["stray.txt"]["source"] is None
    assert by_path["stray.txt"]["target"] == f"{remote}/stray.txt"
    code, changes = diff_json(cli, "--delete", str(local), remote)
    assert {c["path"]: c["sync"] for c in changes} == {"index.html": "upload", "stray.txt": "delete"}
    text = cli("diff", str(local), remote, check=False).stdout.decode().splitlines()
    assert text == ["~ index.html (size 11 → 20)", "- stray.txt (only in target)"]

    # What diff says is what sync --delete does; afterwards they agree there is nothing left.
    done = cli.json("sync", "--delete", str(local), remote)
    assert {(e["action"], e["path"]) for e in done} == {("upload", f"{remote}/index.html"), ("delete", f"{remote}/stray.txt")}
    assert cli("diff", "--delete", str(local), remote).returncode == 0

    # The other way: remote to a local directory, and remote to remote.
    mirror = tmp_path / "mirror"
    code, changes = diff_json(cli, remote, str(mirror))
    assert code == 1 and {c["sync"] for c in changes} == {"download"} and len(changes) == 2
    cli("sync", remote, str(mirror))
    assert cli("diff", remote, str(mirror)).returncode == 0
    code, changes = diff_json(cli, remote, f"mss://{cli_bucket}/copy")
    assert code == 1 and {c["sync"] for c in changes} == {"copy"}
    copied = cli.json("sync", remote, f"mss://{cli_bucket}/copy")
    assert sorted(e["path"] for e in copied) == [f"mss://{cli_bucket}/copy/css/site.css", f"mss://{cli_bucket}/copy/index.html"]
    assert cli.json("sync", remote, f"mss://{cli_bucket}/copy") == []
    assert cli("diff", remote, f"mss://{cli_bucket}/copy").returncode == 0
    assert cli("cat", f"mss://{cli_bucket}/copy/index.html").stdout == b"<h1>hello again</h1>"

    # A missing bucket on either side is named, whichever side it is (RGW's answer does not say).
    ghost = "no-such-bucket-" + os.urandom(4).hex()
    for args in ([f"mss://{ghost}/p", remote], [remote, f"mss://{ghost}/p"]):
        result = cli("sync", *args, check=False)
        assert result.returncode == 1 and f"bucket '{ghost}' does not exist".encode() in result.stderr, result.stderr
        result = cli("diff", *args, check=False)
        assert result.returncode == 2 and f"bucket '{ghost}' does not exist".encode() in result.stderr, result.stderr

    # Trouble is 2: a missing bucket, a missing local source, two local sides, a bad flag pair.
    for args in ([str(local), "mss://no-such-bucket-" + os.urandom(4).hex()], [str(tmp_path / "absent"), remote],
                 [str(local), str(mirror)], ["--size-only", "--exact-timestamps", str(local), remote]):
        result = cli("diff", *args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert b"mss: error: " in result.stderr


def test_size_only_exact_timestamps_and_dry_run(cli, cli_bucket, tmp_path):
    local = tmp_path / "data"
    remote = f"mss://{cli_bucket}/data"
    write(local / "a.txt", b"aaaa")
    write(local / "b.txt", b"bbbb")
    cli("sync", str(local), remote)
    # Same size, new content, newer time: a plain sync uploads it (the MD5 differs); --size-only does not.
    later = time.time() + 100
    write(local / "a.txt", b"AAAA", mtime=later)
    assert cli.json("sync", "--size-only", "--dry-run", str(local), remote) == []
    assert cli("diff", "--size-only", str(local), remote).returncode == 0
    assert cli.json("sync", "--size-only", str(local), remote) == []
    assert cli("cat", f"{remote}/a.txt").stdout == b"aaaa"
    [up] = cli.json("sync", str(local), remote)
    assert up["path"] == f"{remote}/a.txt" and up["reason"] == "newer"
    assert cli("cat", f"{remote}/a.txt").stdout == b"AAAA"

    # Downloads: a same-size local file with a newer time is kept by default; --exact-timestamps
    # fetches it because the times differ, then the times match and a second run has nothing to do.
    mirror = tmp_path / "mirror"
    cli("sync", remote, str(mirror))
    write(mirror / "b.txt", b"XXXX", mtime=time.time() + 1000)
    assert cli.json("sync", remote, str(mirror)) == []
    assert (mirror / "b.txt").read_bytes() == b"XXXX"
    code, changes = diff_json(cli, "--exact-timestamps", remote, str(mirror))
    assert code == 1 and [(c["path"], c["change"]) for c in changes] == [("b.txt", "time")]
    [down] = cli.json("sync", "--exact-timestamps", remote, str(mirror))
    assert down["action"] == "download" and down["reason"] == "time differs"
    assert (mirror / "b.txt").read_bytes() == b"bbbb"
    assert cli.json("sync", "--exact-timestamps", remote, str(mirror)) == []

    # --delete with --dry-run lists and changes nothing, on either side.
    write(mirror / "extra.txt", b"extra")
    cli("cp", "-", f"{remote}/remote-only.txt", input=b"r")
    before_remote = sorted((e["key"], e["size"]) for e in cli.json("ls", "-r", f"mss://{cli_bucket}/"))
    before_local = sorted(p.name for p in mirror.rglob("*"))
    plan = cli.json("sync", "--delete", "--dry-run", str(local), remote)
    assert [(e["action"], e["path"], e["dryRun"]) for e in plan] == [("delete", f"{remote}/remote-only.txt", True)]
    plan = cli.json("sync", "--delete", "--dry-run", remote, str(mirror))
    assert {(e["action"], os.path.basename(e["path"])) for e in plan} == {("download", "remote-only.txt"), ("delete", "extra.txt")}
    assert sorted((e["key"], e["size"]) for e in cli.json("ls", "-r", f"mss://{cli_bucket}/")) == before_remote
    assert sorted(p.name for p in mirror.rglob("*")) == before_local
    plain = cli("sync", "--delete", "--dry-run", str(local), remote).stdout.decode()
    assert plain == f"would delete {remote}/remote-only.txt\n"
    cli("sync", "--delete", str(local), remote)
    assert cli("stat", f"{remote}/remote-only.txt", check=False).returncode == 1


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def test_sync_watch_follows_new_and_changed_files(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli)
    local = tmp_path / "watched"
    write(local / "first.txt", b"first")

    def body(key):
        try:
            return s3.get_object(Bucket=cli_bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None

    process = subprocess.Popen(
        [CLI, "sync", "--watch", "--delete", "--debounce", "200", "--json", str(local), f"mss://{cli_bucket}/w"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env)
    try:
        assert wait_for(lambda: body("w/first.txt") == b"first"), "the first pass did not upload"
        time.sleep(0.5)  # the watch is set up right after the first pass
        write(local / "new.txt", b"new file")
        assert wait_for(lambda: body("w/new.txt") == b"new file"), "a new file was not picked up"
        write(local / "new.txt", b"changed, and longer")
        assert wait_for(lambda: body("w/new.txt") == b"changed, and longer"), "a change was not picked up"
        # A directory made after the watch started is watched too.
        write(local / "sub/deeper/file.txt", b"deep")
        assert wait_for(lambda: body("w/sub/deeper/file.txt") == b"deep"), "a file in a new directory was not picked up"
        write(local / "sub/deeper/second.txt", b"second")
        assert wait_for(lambda: body("w/sub/deeper/second.txt") == b"second"), "a later file in the new directory was missed"
        # With --delete, a file removed here goes there too.
        (local / "first.txt").unlink()
        assert wait_for(lambda: body("w/first.txt") is None), "a removed file was not removed remotely"
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    uploads = [json.loads(line)["path"] for line in stdout.decode().splitlines() if line.strip()]
    assert f"mss://{cli_bucket}/w/new.txt" in uploads and f"mss://{cli_bucket}/w/sub/deeper/file.txt" in uploads

    # SIGINT ends it the same way.
    process = subprocess.Popen(
        [CLI, "sync", "--watch", str(local), f"mss://{cli_bucket}/w"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env)
    time.sleep(1.5)  # past the first pass (nothing to do) and into the watch
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    # Usage: --watch watches a local source.
    assert cli("sync", "--watch", f"mss://{cli_bucket}/w", str(tmp_path / "x"), check=False).returncode == 2
    assert cli("sync", "--watch", "--dry-run", str(local), f"mss://{cli_bucket}/w", check=False).returncode == 2
