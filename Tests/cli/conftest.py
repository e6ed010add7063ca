"""Fixtures for testing the `mss` command line through its executable.

The test script passes the binary in MSS_CLI, mss-server in MSS_SERVER_ENDPOINT /
MSS_SERVER_IMAGE_ENDPOINT / MSS_SERVER_ACCESS_KEY / MSS_SERVER_SECRET_KEY, and Ceph RGW in
MSS_RGW_ENDPOINT / MSS_RGW_ACCESS_KEY / MSS_RGW_SECRET_KEY.
"""
import json
import os
import subprocess
import uuid

import pytest

CLI = os.environ.get("MSS_CLI", "")


def pytest_collection_modifyitems(config, items):
    if not CLI:
        raise pytest.UsageError("MSS_CLI is not set: run these through scripts/test.sh")


def clean_env(home):
    """An environment with no S3 settings at all, and its own MSS_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSS_", "AWS_"))}
    env["MSS_HOME"] = str(home)
    return env


class Runner:
    """Runs mss with one target's settings in the environment."""

    def __init__(self, env, name):
        self.env = env
        self.name = name

    def __call__(self, *args, check=True, input=None, env=None):
        merged = dict(self.env)
        merged.update(env or {})
        result = subprocess.run([CLI, *args], capture_output=True, env=merged, input=input, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"mss {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
        return result

    def json(self, *args):
        result = self(*args, "--json")
        return [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]


def targets():
    found = []
    for name, prefix, signatures in [("mss", "MSS_SERVER", ["v2", "v4"]), ("rgw", "MSS_RGW", ["v2", "v4"])]:
        endpoint = os.environ.get(f"{prefix}_ENDPOINT")
        if endpoint:
            for signature in signatures:
                found.append((name, prefix, signature))
    return found


def runner_for(target, tmp_path):
    name, prefix, signature = target
    env = clean_env(tmp_path / "home")
    env.update(
        MSS_ENDPOINT=os.environ[f"{prefix}_ENDPOINT"],
        MSS_ACCESS_KEY=os.environ[f"{prefix}_ACCESS_KEY"],
        MSS_SECRET_KEY=os.environ[f"{prefix}_SECRET_KEY"],
        MSS_SIGNATURE=signature,
    )
    if name == "mss" and os.environ.get("MSS_SERVER_IMAGE_ENDPOINT"):
        env["MSS_IMAGE_ENDPOINT"] = os.environ["MSS_SERVER_IMAGE_ENDPOINT"]
    return Runner(env, name)


@pytest.fixture(params=targets(), ids=lambda t: f"{t[0]}-{t[2]}")
def mss(request, tmp_path):
    """mss against every server with both signature versions: for what signing can change."""
    return runner_for(request.param, tmp_path)


@pytest.fixture(params=[t for t in targets() if t[2] == "v4"], ids=lambda t: t[0])
def cli(request, tmp_path):
    """mss against every server once (SigV4): for command behaviour that signing does not change,
    which keeps the suite's time in check."""
    return runner_for(request.param, tmp_path)


@pytest.fixture
def cli_bucket(cli):
    name = f"cli-{uuid.uuid4().hex[:16]}"
    cli("mb", f"mss://{name}")
    yield name
    cli("rb", "--force", f"mss://{name}", check=False)


@pytest.fixture
def bucket(mss):
    name = f"cli-{uuid.uuid4().hex[:16]}"
    mss("mb", f"mss://{name}")
    yield name
    mss("rb", "--force", f"mss://{name}", check=False)
