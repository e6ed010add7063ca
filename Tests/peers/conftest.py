"""Fixtures for checking mss-server with independent S3 clients (boto3, awscli, s3cmd, rclone).

The test script starts mss-server and passes its endpoint and keys in MSS_SERVER_ENDPOINT,
MSS_SERVER_ACCESS_KEY, MSS_SERVER_SECRET_KEY and its data directory in MSS_SERVER_DATA.
"""
import os
import shutil
import subprocess
import uuid

import boto3
import pytest
from botocore.config import Config

ENDPOINT = os.environ.get("MSS_SERVER_ENDPOINT", "")
ACCESS_KEY = os.environ.get("MSS_SERVER_ACCESS_KEY", "")
SECRET_KEY = os.environ.get("MSS_SERVER_SECRET_KEY", "")
DATA_DIR = os.environ.get("MSS_SERVER_DATA", "")


def pytest_collection_modifyitems(config, items):
    if not ENDPOINT:
        raise pytest.UsageError("MSS_SERVER_ENDPOINT is not set: run these through scripts/test.sh")


def client(signature="s3v4", secret=None, **config):
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret or SECRET_KEY,
        region_name="us-east-1",
        config=Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
    )


@pytest.fixture(params=["s3v4", "s3"], ids=["sigv4", "sigv2"])
def s3(request):
    return client(request.param)


@pytest.fixture
def s3v4():
    return client("s3v4")


def new_bucket_name(tag="peer"):
    return f"{tag}-{uuid.uuid4().hex[:20]}"


def empty_and_delete(s3client, name):
    try:
        for upload in s3client.list_multipart_uploads(Bucket=name).get("Uploads", []):
            s3client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
        paginator = s3client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        s3client.delete_bucket(Bucket=name)
    except Exception:
        pass


@pytest.fixture
def bucket(s3v4):
    name = new_bucket_name()
    s3v4.create_bucket(Bucket=name)
    yield name
    empty_and_delete(s3v4, name)


@pytest.fixture
def cli_env(tmp_path):
    """Environment for command-line clients: keys, no user config, region."""
    env = dict(os.environ)
    # A CA bundle set for the machine makes rclone's AWS SDK refuse its plain-HTTP transport.
    env.pop("AWS_CA_BUNDLE", None)
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        HOME=str(tmp_path),
    )
    return env


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def require_browser():
    """Skips the test when selenium, chromium or chromedriver is missing, or fails it when
    MSS_REQUIRE_BROWSER is set (scripts/test.sh installs them, so there a missing one is a
    failure)."""
    reasons = []
    try:
        import selenium.webdriver  # noqa: F401
    except ImportError as error:
        reasons.append(f"selenium is not installed ({error})")
    if not CHROMIUM:
        reasons.append("chromium is not installed (apt-get install chromium)")
    if not CHROMEDRIVER:
        reasons.append("chromedriver is not installed (apt-get install chromium-driver)")
    if reasons:
        reason = "; ".join(reasons)
        if os.environ.get("MSS_REQUIRE_BROWSER"):
            pytest.fail(f"MSS_REQUIRE_BROWSER is set but {reason}")
        pytest.skip(reason)


def mss_command(home, endpoint=None, access_key=None, secret_key=None, signature=None):
    """The project's own command line (MSS_CLI) with no settings but these and its own
    MSS_HOME; skips the test when MSS_CLI is not set. The function it returns runs one command,
    fails the test on a non-zero exit, and returns what it printed."""
    binary = os.environ.get("MSS_CLI")
    if not binary:
        pytest.skip("MSS_CLI names no mss binary")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSS_", "AWS_"))}
    env["MSS_HOME"] = str(home)
    if endpoint:
        env.update(MSS_ENDPOINT=endpoint, MSS_ACCESS_KEY=access_key, MSS_SECRET_KEY=secret_key)
    if signature:
        env["MSS_SIGNATURE"] = signature

    def mss(*args):
        result = subprocess.run([binary, *args], env=env, capture_output=True, timeout=120)
        assert result.returncode == 0, f"mss {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}"
        return result.stdout.decode()
    return mss
