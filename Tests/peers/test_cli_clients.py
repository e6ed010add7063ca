"""awscli, s3cmd and rclone against mss-server: put, get, list, delete, multipart, presigned GET,
and refusal of a wrong secret."""
import hashlib
import http.client
import os
import shutil
import subprocess
import time
import urllib.parse

import pytest

from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY, new_bucket_name


def run(args, env, check=True, timeout=300):
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def fetch(url):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
    response = connection.getresponse()
    return response.status, response.read()


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def make_file(path, size):
    with open(path, "wb") as handle:
        handle.write(os.urandom(size))
    return str(path)


# awscli ------------------------------------------------------------------------------------

def aws(env, *args, check=True):
    return run(["aws", "--endpoint-url", ENDPOINT, "s3", *args], env, check=check)


def test_awscli(cli_env, tmp_path):
    bucket = new_bucket_name("awscli")
    aws(cli_env, "mb", f"s3://{bucket}")
    try:
        small = make_file(tmp_path / "small.txt", 1000)
        big = make_file(tmp_path / "big.bin", 100 * 1024 * 1024)  # multipart at awscli's 8 MiB threshold
        aws(cli_env, "cp", small, f"s3://{bucket}/dir/small.txt")
        aws(cli_env, "cp", big, f"s3://{bucket}/big.bin")
        listing = aws(cli_env, "ls", f"s3://{bucket}/", "--recursive").stdout
        assert "dir/small.txt" in listing and "big.bin" in listing
        aws(cli_env, "cp", f"s3://{bucket}/big.bin", str(tmp_path / "big.back"))
        assert md5(tmp_path / "big.back") == md5(big)
        source = tmp_path / "tree"
        (source / "a" / "b").mkdir(parents=True)
        for name in ["one.txt", "a/two.txt", "a/b/three.txt"]:
            (source / name).write_text(name)
        aws(cli_env, "sync", str(source), f"s3://{bucket}/tree")
        target = tmp_path / "tree-back"
        aws(cli_env, "sync", f"s3://{bucket}/tree", str(target))
        assert (target / "a" / "b" / "three.txt").read_text() == "a/b/three.txt"
        presigned = run(["aws", "--endpoint-url", ENDPOINT, "s3", "presign", f"s3://{bucket}/dir/small.txt", "--expires-in", "60"], cli_env).stdout.strip()
        assert fetch(presigned) == (200, open(small, "rb").read())
        aws(cli_env, "rm", f"s3://{bucket}/", "--recursive")
        assert aws(cli_env, "ls", f"s3://{bucket}/", "--recursive", check=False).stdout.strip() == ""
        wrong = dict(cli_env, AWS_SECRET_ACCESS_KEY="wrong-secret")
        refused = aws(wrong, "ls", f"s3://{bucket}/", check=False)
        assert refused.returncode != 0 and "SignatureDoesNotMatch" in refused.stderr
    finally:
        aws(cli_env, "rb", f"s3://{bucket}", "--force", check=False)


# s3cmd -------------------------------------------------------------------------------------

def s3cmd_config(tmp_path, secret):
    host = urllib.parse.urlsplit(ENDPOINT).netloc
    config = tmp_path / f"s3cfg-{hashlib.md5(secret.encode()).hexdigest()[:6]}"
    config.write_text(
        "[default]\n"
        f"access_key = {ACCESS_KEY}\nsecret_key = {secret}\n"
        f"host_base = {host}\nhost_bucket = {host}\n"
        "use_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n"
        "check_ssl_certificate = False\n")
    return str(config)


@pytest.mark.parametrize("signature_v2", [False, True], ids=["sigv4", "sigv2"])
def test_s3cmd(cli_env, tmp_path, signature_v2):
    config = s3cmd_config(tmp_path, SECRET_KEY)
    base = ["s3cmd", "-c", config] + (["--signature-v2"] if signature_v2 else [])
    bucket = new_bucket_name("s3cmd")
    run(base + ["mb", f"s3://{bucket}"], cli_env)
    try:
        small = make_file(tmp_path / "small.bin", 5000)
        big = make_file(tmp_path / "big.bin", 12 * 1024 * 1024)
        run(base + ["put", small, f"s3://{bucket}/small.bin"], cli_env)
        run(base + ["put", "--multipart-chunk-size-mb=5", big, f"s3://{bucket}/big.bin"], cli_env)
        listing = run(base + ["ls", f"s3://{bucket}/"], cli_env).stdout
        assert "small.bin" in listing and "big.bin" in listing
        run(base + ["get", f"s3://{bucket}/big.bin", str(tmp_path / "big.back")], cli_env)
        assert md5(tmp_path / "big.back") == md5(big)
        url = run(base + ["signurl", f"s3://{bucket}/small.bin", f"+60"], cli_env).stdout.strip()
        assert fetch(url)[0] == 200
        run(base + ["del", f"s3://{bucket}/small.bin"], cli_env)
        assert "small.bin" not in run(base + ["ls", f"s3://{bucket}/"], cli_env).stdout
        wrong = ["s3cmd", "-c", s3cmd_config(tmp_path, "wrong-secret-123")] + (["--signature-v2"] if signature_v2 else [])
        refused = run(wrong + ["ls", f"s3://{bucket}/"], cli_env, check=False)
        assert refused.returncode != 0
    finally:
        run(base + ["rb", "--recursive", "--force", f"s3://{bucket}"], cli_env, check=False)


# rclone ------------------------------------------------------------------------------------

def rclone_env(cli_env, secret):
    env = dict(cli_env)
    env.update(
        RCLONE_CONFIG_MSS_TYPE="s3", RCLONE_CONFIG_MSS_PROVIDER="Other", RCLONE_CONFIG_MSS_ENDPOINT=ENDPOINT,
        RCLONE_CONFIG_MSS_ACCESS_KEY_ID=ACCESS_KEY, RCLONE_CONFIG_MSS_SECRET_ACCESS_KEY=secret,
        RCLONE_CONFIG_MSS_FORCE_PATH_STYLE="true", RCLONE_CONFIG_MSS_REGION="us-east-1")
    return env


@pytest.mark.skipif(shutil.which("rclone") is None, reason="rclone is installed by scripts/test.sh")
def test_rclone(cli_env, tmp_path):
    env = rclone_env(cli_env, SECRET_KEY)
    bucket = new_bucket_name("rclone")
    run(["rclone", "mkdir", f"mss:{bucket}"], env)
    try:
        source = tmp_path / "src"
        source.mkdir()
        make_file(source / "small.bin", 3000)
        big = make_file(source / "big.bin", 12 * 1024 * 1024)
        run(["rclone", "copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", str(source), f"mss:{bucket}/data"], env)
        listing = run(["rclone", "ls", f"mss:{bucket}"], env).stdout
        assert "data/small.bin" in listing and "data/big.bin" in listing
        target = tmp_path / "back"
        run(["rclone", "copy", f"mss:{bucket}/data", str(target)], env)
        assert md5(target / "big.bin") == md5(big)
        run(["rclone", "check", str(source), f"mss:{bucket}/data"], env)
        link = run(["rclone", "link", "--expire", "1m", f"mss:{bucket}/data/small.bin"], env).stdout.strip()
        assert fetch(link) == (200, open(source / "small.bin", "rb").read())
        run(["rclone", "delete", f"mss:{bucket}/data/small.bin"], env)
        assert "small.bin" not in run(["rclone", "ls", f"mss:{bucket}"], env).stdout
        refused = run(["rclone", "ls", "--retries", "1", "--low-level-retries", "1", f"mss:{bucket}"], rclone_env(cli_env, "wrong-secret-123"), check=False)
        assert refused.returncode != 0
    finally:
        run(["rclone", "purge", f"mss:{bucket}"], env, check=False)
