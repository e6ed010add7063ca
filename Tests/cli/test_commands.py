"""Every `mss` command end to end against mss-server and Ceph RGW, with SigV2 and SigV4: results
parsed from --json, exit statuses, and the error messages people see."""
import hashlib
import http.client
import io
import os
import stat
import urllib.parse
import urllib.request

import pytest


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_buckets_ls_and_exit_codes(mss, tmp_path):
    name = f"cli-mb-{os.urandom(6).hex()}"
    assert mss("mb", f"mss://{name}").returncode == 0
    assert {"type": "bucket", "name": name} in [{k: e[k] for k in ("type", "name")} for e in mss.json("ls")]
    # Making it twice is a failure in plain words.
    again = mss("mb", f"mss://{name}", check=False)
    assert again.returncode == 1 and b"already exists" in again.stderr
    # Usage errors exit 2.
    assert mss("mb", "not-a-remote-path", check=False).returncode == 2
    assert mss("frobnicate", check=False).returncode == 2
    assert mss("cp", "a", "b", check=False).returncode == 2
    missing = mss("ls", "mss://no-such-bucket-" + os.urandom(4).hex(), check=False)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr
    assert mss("rb", f"mss://{name}").returncode == 0
    assert name not in [e["name"] for e in mss.json("ls")]


def test_cp_every_direction_cat_stat_rm(mss, bucket, tmp_path):
    small = write(tmp_path / "hello.txt", b"hello, world\n")
    big = write(tmp_path / "big.bin", os.urandom(12 * 1024 * 1024 + 17))
    [up] = mss.json("cp", str(small), f"mss://{bucket}/docs/")
    assert up["destination"] == f"mss://{bucket}/docs/hello.txt" and up["size"] == 13
    mss("cp", str(big), f"mss://{bucket}/big.bin", "--part-size", "5", "--concurrency", "4")

    assert mss("cat", f"mss://{bucket}/docs/hello.txt").stdout == b"hello, world\n"
    [info] = mss.json("stat", f"mss://{bucket}/docs/hello.txt")
    assert info["size"] == 13 and info["contentType"].startswith("text/plain")
    [info] = mss.json("stat", f"mss://{bucket}/big.bin")
    assert info["size"] == big.stat().st_size

    down = tmp_path / "down"
    down.mkdir()
    mss("cp", f"mss://{bucket}/big.bin", str(down) + "/")
    assert hashlib.md5((down / "big.bin").read_bytes()).digest() == hashlib.md5(big.read_bytes()).digest()

    mss("cp", f"mss://{bucket}/docs/hello.txt", f"mss://{bucket}/copy/hello.txt")
    assert mss("cat", f"mss://{bucket}/copy/hello.txt").stdout == b"hello, world\n"

    listing = mss.json("ls", f"mss://{bucket}")
    assert {"type": "prefix", "key": "docs/"} in listing and {"type": "prefix", "key": "copy/"} in listing
    assert [e["key"] for e in listing if e["type"] == "object"] == ["big.bin"]
    assert sorted(e["key"] for e in mss.json("ls", "-r", f"mss://{bucket}")) == ["big.bin", "copy/hello.txt", "docs/hello.txt"]

    [removed] = mss.json("rm", f"mss://{bucket}/copy/hello.txt")
    assert removed["action"] == "removed"
    gone = mss("cat", f"mss://{bucket}/copy/hello.txt", check=False)
    assert gone.returncode == 1 and f"mss://{bucket}/copy/hello.txt does not exist".encode() in gone.stderr
    missing = mss("rm", f"mss://{bucket}/copy/hello.txt", check=False)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr
    # Copying a missing object leaves no file behind.
    assert mss("cp", f"mss://{bucket}/nothing", str(tmp_path / "nothing"), check=False).returncode == 1
    assert not (tmp_path / "nothing").exists()


def test_recursive_cp_mv_rm_and_du(mss, bucket, tmp_path):
    tree = tmp_path / "tree"
    files = {"a.txt": b"a" * 10, "sub/b.txt": b"b" * 20, "sub/deeper/c.bin": os.urandom(3000)}
    for relative, data in files.items():
        write(tree / relative, data)
    assert mss("cp", str(tree), f"mss://{bucket}/t", check=False).returncode == 2  # a directory needs --recursive
    mss("cp", "-r", str(tree), f"mss://{bucket}/t")
    keys = sorted(e["key"] for e in mss.json("ls", "-r", f"mss://{bucket}/t/"))
    assert keys == sorted(f"t/{k}" for k in files)
    [usage] = mss.json("du", f"mss://{bucket}/t")
    assert usage["bytes"] == sum(len(v) for v in files.values()) and usage["objects"] == 3

    back = tmp_path / "back"
    mss("cp", "-r", f"mss://{bucket}/t", str(back))
    for relative, data in files.items():
        assert (back / relative).read_bytes() == data

    mss("mv", "-r", f"mss://{bucket}/t", f"mss://{bucket}/moved")
    assert mss.json("ls", "-r", f"mss://{bucket}/t/") == []
    assert len(mss.json("ls", "-r", f"mss://{bucket}/moved/")) == 3

    moved_file = write(tmp_path / "local-move.txt", b"move me")
    mss("mv", str(moved_file), f"mss://{bucket}/moved/local-move.txt")
    assert not moved_file.exists()
    assert mss("cat", f"mss://{bucket}/moved/local-move.txt").stdout == b"move me"

    dry = mss.json("rm", "-r", "--dry-run", f"mss://{bucket}/moved/")
    assert len(dry) == 4 and all(e["action"] == "would-remove" for e in dry)
    assert len(mss.json("rm", "-r", f"mss://{bucket}/moved/")) == 4
    assert mss.json("ls", "-r", f"mss://{bucket}") == []


def test_trees_name_what_they_leave_out_and_mv_removes_only_what_it_sent(cli, cli_bucket, tmp_path):
    """Links are not followed and pipes are not sent: each is named in the answer of cp -r and
    sync, in text and in --json. mv -r then removes the files it sent and the folders that emptied, never a link,
    a pipe, their folders, or a folder that held nothing to send (it used to remove the whole
    tree once no regular file was left in it, links and what they sat beside included)."""
    tree = tmp_path / "tree"
    write(tree / "a.txt", b"a")
    write(tree / "sub/b.txt", b"b")
    write(tree / "links/c.txt", b"c")
    write(tree / "gone/deeper/d.txt", b"d")
    outside = write(tmp_path / "outside.txt", b"not in the tree")
    os.symlink(outside, tree / "links/to-outside")
    os.symlink("..", tree / "links/loop")
    os.mkfifo(tree / "sub/pipe")
    (tree / "untouched/inner").mkdir(parents=True)
    b = f"mss://{cli_bucket}"

    answer = cli.json("cp", "-r", str(tree), f"{b}/t")
    skipped = sorted((e["source"].split("/tree/", 1)[1], e["reason"]) for e in answer if e["action"] == "skip")
    assert skipped == [("links/loop", "symbolic-link"), ("links/to-outside", "symbolic-link"), ("sub/pipe", "not-a-regular-file")]
    sent = sorted(e["key"] for e in cli.json("ls", "-r", f"{b}/t/"))
    assert sent == ["t/a.txt", "t/gone/deeper/d.txt", "t/links/c.txt", "t/sub/b.txt"]
    text = cli("cp", "-r", str(tree), f"{b}/t").stdout.decode()
    assert "/tree/links/to-outside: a symbolic link (not followed)" in text and "/tree/sub/pipe: not a regular file" in text

    # sync names them too, on its first pass, and only those its selection takes.
    synced = cli.json("sync", str(tree), f"{b}/s")
    assert sorted(e["source"].split("/tree/", 1)[1] for e in synced if e["action"] == "skip") == ["links/loop", "links/to-outside", "sub/pipe"]
    assert sorted(e["key"] for e in cli.json("ls", "-r", f"{b}/s/")) == [k.replace("t/", "s/", 1) for k in sent]
    filtered = cli.json("sync", str(tree), f"{b}/s", "--exclude", "links/*")
    assert [e["source"].split("/tree/", 1)[1] for e in filtered if e["action"] == "skip"] == ["sub/pipe"]

    cli("mv", "-r", str(tree), f"{b}/m")
    assert sorted(e["key"] for e in cli.json("ls", "-r", f"{b}/m/")) == [k.replace("t/", "m/", 1) for k in sent]
    for relative in ["a.txt", "sub/b.txt", "links/c.txt", "gone"]:
        assert not os.path.lexists(tree / relative), relative
    assert os.readlink(tree / "links/to-outside") == str(outside) and os.readlink(tree / "links/loop") == ".."
    assert stat.S_ISFIFO(os.lstat(tree / "sub/pipe").st_mode)
    assert (tree / "untouched/inner").is_dir()
    assert outside.read_bytes() == b"not in the tree"

    # A tree of nothing but files and the folders they sit in goes whole.
    plain = tmp_path / "plain"
    write(plain / "x/y/z.txt", b"z")
    write(plain / "w.txt", b"w")
    cli("mv", "-r", str(plain), f"{b}/p")
    assert not plain.exists()
    assert sorted(e["key"] for e in cli.json("ls", "-r", f"{b}/p/")) == ["p/w.txt", "p/x/y/z.txt"]


def test_sync_both_ways_with_delete_and_dry_run(mss, bucket, tmp_path):
    local = tmp_path / "site"
    write(local / "index.html", b"<h1>hi</h1>")
    write(local / "css/site.css", b"body{}")
    write(local / "old.txt", b"old")
    first = mss.json("sync", str(local), f"mss://{bucket}/site")
    assert sorted(e["path"] for e in first) == sorted(f"mss://{bucket}/site/{p}" for p in ["index.html", "css/site.css", "old.txt"])
    assert mss.json("sync", str(local), f"mss://{bucket}/site") == []  # nothing to do the second time

    (local / "old.txt").unlink()
    write(local / "index.html", b"<h1>hello again</h1>")
    plan = mss.json("sync", "--delete", "--dry-run", str(local), f"mss://{bucket}/site")
    assert {(e["action"], e["dryRun"]) for e in plan} == {("upload", True), ("delete", True)}
    assert mss("cat", f"mss://{bucket}/site/old.txt").stdout == b"old"  # a dry run changes nothing
    mss("sync", "--delete", str(local), f"mss://{bucket}/site")
    assert sorted(e["key"] for e in mss.json("ls", "-r", f"mss://{bucket}/site/")) == ["site/css/site.css", "site/index.html"]

    mirror = tmp_path / "mirror"
    mss("sync", f"mss://{bucket}/site", str(mirror))
    assert (mirror / "index.html").read_bytes() == b"<h1>hello again</h1>"
    assert mss.json("sync", f"mss://{bucket}/site", str(mirror)) == []
    write(mirror / "stray.txt", b"stray")
    mss("sync", "--delete", f"mss://{bucket}/site", str(mirror))
    assert not (mirror / "stray.txt").exists()


def test_presign_get_and_put(mss, bucket, tmp_path):
    write(tmp_path / "p.txt", b"presigned body")
    mss("cp", str(tmp_path / "p.txt"), f"mss://{bucket}/p.txt")
    [signed] = mss.json("presign", f"mss://{bucket}/p.txt", "--expires", "120")
    with urllib.request.urlopen(signed["url"]) as answer:
        assert answer.read() == b"presigned body"
    put_url = mss("presign", "--method", "put", f"mss://{bucket}/uploaded.txt").stdout.decode().strip()
    # http.client sends no Content-Type of its own (urllib would, and the signature covers it).
    parts = urllib.parse.urlsplit(put_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("PUT", f"{parts.path}?{parts.query}", body=b"sent without keys")
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()
    connection.close()
    assert mss("cat", f"mss://{bucket}/uploaded.txt").stdout == b"sent without keys"
    assert mss("presign", f"mss://{bucket}/p.txt", "--method", "post", check=False).returncode == 2


def test_rb_refuses_non_empty_buckets_without_force(mss, tmp_path):
    name = f"cli-rb-{os.urandom(6).hex()}"
    mss("mb", f"mss://{name}")
    write(tmp_path / "x", b"x")
    mss("cp", str(tmp_path / "x"), f"mss://{name}/x")
    refused = mss("rb", f"mss://{name}", check=False)
    assert refused.returncode == 1 and b"not empty" in refused.stderr and b"--force" in refused.stderr
    mss("rb", "--force", f"mss://{name}")
    assert name not in [e["name"] for e in mss.json("ls")]


def test_quiet_debug_and_wrong_keys(mss, bucket, tmp_path):
    write(tmp_path / "q.txt", b"quiet")
    quiet = mss("cp", "--quiet", str(tmp_path / "q.txt"), f"mss://{bucket}/q.txt")
    assert quiet.stdout == b"" and quiet.stderr == b""
    wrong = mss("ls", f"mss://{bucket}", check=False, env={"MSS_SECRET_KEY": "not-the-secret-key"})
    assert wrong.returncode == 1 and b"secret key" in wrong.stderr
    debug = mss("ls", f"mss://{bucket}", "--debug", check=False, env={"MSS_SECRET_KEY": "not-the-secret-key"})
    assert b"SignatureDoesNotMatch" in debug.stderr and b"HTTP 403" in debug.stderr
    missing = mss("stat", f"mss://{bucket}/nope", "--debug", check=False)
    assert missing.returncode == 1


def test_image_command(mss, bucket, tmp_path):
    if mss.name != "mss":
        pytest.skip("only mss-server runs the image service")
    from PIL import Image
    picture = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(picture, "JPEG")
    write(tmp_path / "red.jpg", picture.getvalue())
    mss("cp", str(tmp_path / "red.jpg"), f"mss://{bucket}/red.jpg")
    [result] = mss.json("image", f"mss://{bucket}/red.jpg", "--process", "90r_100w.png", "-o", str(tmp_path / "out.png"))
    assert result["contentType"] == "image/png"
    with Image.open(tmp_path / "out.png") as image:
        # Resize comes before rotation within one action: 100x63, then turned upright.
        assert image.format == "PNG" and image.size == (63, 100)
    url = mss("image", f"mss://{bucket}/red.jpg", "-p", "watermark=2&text=aGVsbG8sIHdvcmxk", "--url").stdout.decode().strip()
    with urllib.request.urlopen(url) as answer:
        assert Image.open(io.BytesIO(answer.read())).size == (320, 200)
    stdout = mss("image", f"mss://{bucket}/red.jpg", "-p", "50p", "-o", "-").stdout
    assert Image.open(io.BytesIO(stdout)).size == (160, 100)
    bad = mss("image", f"mss://{bucket}/red.jpg", "-p", "30x", "-o", str(tmp_path / "bad.jpg"), check=False)
    assert bad.returncode == 2 and b"30x" in bad.stderr
    assert mss("image", f"mss://{bucket}/red.jpg", "-p", "30r", check=False).returncode == 2


def test_a_reader_that_goes_away_ends_the_command_quietly(cli, cli_bucket):
    """`mss ls mss://b/ | head -3` must end like `ls | head -3`: by SIGPIPE (status 141 in a
    shell), with nothing on standard error, never with a Swift backtrace. The outputs are larger
    than a pipe's buffer, so `mss` is still writing when the reader goes."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    from conftest import CLI

    s3 = boto3.client(
        "s3", endpoint_url=cli.env["MSS_ENDPOINT"], aws_access_key_id=cli.env["MSS_ACCESS_KEY"],
        aws_secret_access_key=cli.env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda index: s3.put_object(Bucket=cli_bucket, Key=f"k/{index:05d}", Body=b"x"), range(1500)))
    s3.put_object(Bucket=cli_bucket, Key="big.bin", Body=os.urandom(8 << 20))
    for args in (["ls", "-r", f"mss://{cli_bucket}/"], ["ls", "-r", "--json", f"mss://{cli_bucket}/"], ["cat", f"mss://{cli_bucket}/big.bin"]):
        pipeline = subprocess.run(
            ["bash", "-c", '"$0" "$@" | head -c 100 >/dev/null; echo "status=${PIPESTATUS[0]}" >&2', CLI, *args],
            env=cli.env, capture_output=True, timeout=300)
        stderr = pipeline.stderr.decode()
        assert "status=141" in stderr, (args, stderr)
        assert "Fatal error" not in stderr and "backtrace" not in stderr.lower() and "mss:" not in stderr, (args, stderr)
