"""`--sse` / `--sse-c-key` / `--sse-c-source-key` on cp, cat, stat and sync, checked with boto3
against mss-server and Ceph RGW (SSE-C only there: RGW needs a KMS for SSE-S3, and answers
NotImplemented to copies of SSE-C objects)."""
import base64
import hashlib
import os
import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

MIB = 1024 * 1024
KEY = bytes(range(7, 39))
KEY_B64 = base64.b64encode(KEY).decode()
OTHER = bytes(range(50, 82))


def s3_client(env):
    return boto3.client(
        "s3", endpoint_url=env["MSS_ENDPOINT"], aws_access_key_id=env["MSS_ACCESS_KEY"],
        aws_secret_access_key=env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def with_key(key=KEY):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def no_key_leak(result):
    for stream in (result.stdout, result.stderr):
        assert KEY_B64.encode() not in stream and KEY not in stream


def test_sse_c_upload_cat_stat_download(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    key_file = tmp_path / "key.bin"
    key_file.write_bytes(KEY)
    small = os.urandom(100_000)
    big = os.urandom(11 * MIB + 5)
    (tmp_path / "small").write_bytes(small)
    (tmp_path / "big").write_bytes(big)
    for name, key_arg in [("small", f"@{key_file}"), ("big", KEY_B64)]:
        result = cli("cp", "--part-size", "5", "--sse-c-key", key_arg, str(tmp_path / name), f"mss://{cli_bucket}/{name}")
        no_key_leak(result)
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=cli_bucket, Key="small")
    assert s3.get_object(Bucket=cli_bucket, Key="small", **with_key())["Body"].read() == small
    assert s3.get_object(Bucket=cli_bucket, Key="big", **with_key())["Body"].read() == big

    cat = cli("cat", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/small")
    assert cat.stdout == small
    assert cli("cat", f"mss://{cli_bucket}/small", check=False).returncode != 0
    wrong = cli("cat", "--sse-c-key", base64.b64encode(OTHER).decode(), f"mss://{cli_bucket}/small", check=False)
    assert wrong.returncode != 0 and wrong.stdout == b""

    md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
    [info] = cli.json("stat", "--sse-c-key", f"@{key_file}", f"mss://{cli_bucket}/big")
    assert info["size"] == len(big) and info["sseCustomerKeyMD5"] == md5 and info["encryption"].startswith("SSE-C")
    text = cli("stat", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/small")
    assert f"Encryption:   SSE-C (key MD5 {md5})" in text.stdout.decode()
    no_key_leak(text)
    assert cli("stat", f"mss://{cli_bucket}/small", check=False).returncode != 0

    for name, data in [("small", small), ("big", big)]:
        target = tmp_path / f"{name}.back"
        cli("cp", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/{name}", str(target))
        assert target.read_bytes() == data
    streamed = cli("cp", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/small", "-")
    assert streamed.stdout == small
    assert cli("cp", f"mss://{cli_bucket}/small", str(tmp_path / "nokey"), check=False).returncode != 0
    assert not (tmp_path / "nokey").exists()


def test_sse_s3_and_remote_copies_between_kinds(cli, cli_bucket, tmp_path):
    if cli.name == "rgw":
        pytest.skip("Ceph RGW needs a KMS backend for SSE-S3 and answers NotImplemented to copies of SSE-C objects")
    s3 = s3_client(cli.env)
    data = os.urandom(70_000)
    (tmp_path / "f").write_bytes(data)
    cli("cp", "--sse", "AES256", str(tmp_path / "f"), f"mss://{cli_bucket}/s3")
    assert s3.head_object(Bucket=cli_bucket, Key="s3")["ServerSideEncryption"] == "AES256"
    [info] = cli.json("stat", f"mss://{cli_bucket}/s3")
    assert info["encryption"] == "SSE-S3 (AES256)"
    # SSE-S3 to SSE-C, then SSE-C back to SSE-S3, on the server.
    cli("cp", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/s3", f"mss://{cli_bucket}/c")
    assert s3.get_object(Bucket=cli_bucket, Key="c", **with_key())["Body"].read() == data
    assert cli("cp", f"mss://{cli_bucket}/c", f"mss://{cli_bucket}/nokey", check=False).returncode != 0
    cli("cp", "--sse-c-source-key", KEY_B64, "--sse", "AES256", f"mss://{cli_bucket}/c", f"mss://{cli_bucket}/back")
    back = s3.get_object(Bucket=cli_bucket, Key="back")
    assert back["Body"].read() == data and back["ServerSideEncryption"] == "AES256"
    # Without --sse the copy is stored in clear, as S3 does.
    cli("cp", "--sse-c-source-key", KEY_B64, f"mss://{cli_bucket}/c", f"mss://{cli_bucket}/clear")
    assert "ServerSideEncryption" not in s3.head_object(Bucket=cli_bucket, Key="clear")
    [clear] = cli.json("stat", f"mss://{cli_bucket}/clear")
    assert clear["encryption"] is None and clear["size"] == len(data)


def test_sync_with_customer_key(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    source = tmp_path / "tree"
    files = {"a.txt": os.urandom(1000), "sub/b.bin": os.urandom(300_000)}
    for name, data in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(data)
    no_key_leak(cli("sync", "--sse-c-key", KEY_B64, str(source), f"mss://{cli_bucket}/p/"))
    for name, data in files.items():
        assert s3.get_object(Bucket=cli_bucket, Key=f"p/{name}", **with_key())["Body"].read() == data
        with pytest.raises(botocore.exceptions.ClientError):
            s3.head_object(Bucket=cli_bucket, Key=f"p/{name}")
    back = tmp_path / "back"
    cli("sync", "--sse-c-key", KEY_B64, f"mss://{cli_bucket}/p/", str(back))
    for name, data in files.items():
        assert (back / name).read_bytes() == data


@pytest.mark.parametrize("args,message", [
    (["--sse-c-key", base64.b64encode(KEY[:16]).decode()], "decodes to 16 bytes"),
    (["--sse-c-key", "not base64 at all!"], "not base64"),
    (["--sse-c-key", "@/nonexistent/key"], "cannot read the file"),
    (["--sse", "aws:kms"], "SSE-KMS is not supported"),
    (["--sse", "AES256", "--sse-c-key", KEY_B64], "give one"),
    (["--sse-c-source-key", "AAAA"], "--sse-c-source-key must be base64 of 32 bytes"),
])
def test_bad_encryption_arguments(cli, cli_bucket, tmp_path, args, message):
    (tmp_path / "f").write_bytes(b"x")
    result = cli("cp", *args, str(tmp_path / "f"), f"mss://{cli_bucket}/f", check=False)
    assert result.returncode == 2 and message in result.stderr.decode(), result.stderr
    no_key_leak(result)
    short = tmp_path / "short.key"
    short.write_bytes(KEY[:31])
    result = cli("cat", "--sse-c-key", f"@{short}", f"mss://{cli_bucket}/f", check=False)
    assert result.returncode == 2 and "holds 31 bytes" in result.stderr.decode()
    result = cli("cp", "--sse", "AES256", f"mss://{cli_bucket}/f", str(tmp_path / "down"), check=False)
    assert result.returncode == 2 and "--sse" in result.stderr.decode()


def test_move_encrypts_what_it_uploads(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli.env)
    data = os.urandom(5000)
    (tmp_path / "m").write_bytes(data)
    cli("mv", "--sse-c-key", KEY_B64, str(tmp_path / "m"), f"mss://{cli_bucket}/m")
    assert not (tmp_path / "m").exists()
    assert s3.get_object(Bucket=cli_bucket, Key="m", **with_key())["Body"].read() == data
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=cli_bucket, Key="m")


def plaintext_files(data_dir, texts, since):
    """Files under data_dir changed since `since` that hold one of eight 32-byte slices of
    any text. Only recent files are read: the shared server holds every other test's data."""
    slices = []
    for text in texts:
        step = max(1, (len(text) - 32) // 7)
        slices += [text[i:i + 32] for i in range(0, len(text) - 32, step)][:8]
    found = []
    for folder, _, names in os.walk(data_dir):
        for name in names:
            path = os.path.join(folder, name)
            try:
                if os.stat(path).st_mtime < since:
                    continue
                with open(path, "rb") as handle:
                    content = handle.read()
            except OSError:
                continue  # removed meanwhile
            if any(piece in content for piece in slices):
                found.append(path)
    return found


def test_encrypted_uploads_leave_no_plaintext_on_the_servers_disk(cli, cli_bucket, tmp_path):
    data_dir = os.environ.get("MSS_SERVER_DATA", "")
    if cli.name != "mss" or not data_dir:
        pytest.skip("reads mss-server's data directory (MSS_SERVER_DATA)")
    since = time.time() - 2
    texts = {name: os.urandom(size) for name, size in
             [("one-s3", 200_000), ("big-c", 11 * MIB + 3), ("moved", 90_000), ("tree/a", 120_000), ("tree/b", 6 * MIB)]}
    for name, data in texts.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    cli("cp", "--sse", "AES256", str(tmp_path / "one-s3"), f"mss://{cli_bucket}/one-s3")
    cli("cp", "--part-size", "5", "--sse-c-key", KEY_B64, str(tmp_path / "big-c"), f"mss://{cli_bucket}/big-c")
    cli("mv", "--sse", "AES256", str(tmp_path / "moved"), f"mss://{cli_bucket}/moved")
    cli("sync", "--sse-c-key", KEY_B64, str(tmp_path / "tree"), f"mss://{cli_bucket}/tree/")
    piped = os.urandom(7 * MIB + 11)
    cli("cp", "--part-size", "5", "--sse-c-key", KEY_B64, "-", f"mss://{cli_bucket}/piped", input=piped)
    texts["piped"] = piped
    # Copied on the server from SSE-C to SSE-S3.
    cli("cp", "--sse-c-source-key", KEY_B64, "--sse", "AES256", f"mss://{cli_bucket}/big-c", f"mss://{cli_bucket}/big-s3")
    s3 = s3_client(cli.env)
    assert s3.get_object(Bucket=cli_bucket, Key="piped", **with_key())["Body"].read() == piped
    assert s3.get_object(Bucket=cli_bucket, Key="big-s3")["Body"].read() == texts["big-c"]
    assert s3.get_object(Bucket=cli_bucket, Key="tree/b", **with_key())["Body"].read() == texts["tree/b"]
    assert plaintext_files(data_dir, list(texts.values()), since) == []
    # Control: the same search finds an upload stored in clear, so it can fail.
    control = os.urandom(100_000)
    (tmp_path / "control").write_bytes(control)
    cli("cp", str(tmp_path / "control"), f"mss://{cli_bucket}/control")
    assert plaintext_files(data_dir, [control], since) != []
