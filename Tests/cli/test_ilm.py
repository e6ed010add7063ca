"""`mss ilm`: adding, listing, removing, exporting and importing lifecycle rules against
mss-server and Ceph RGW, checked with boto3; usage errors before anything is sent."""
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def s3_client(cli):
    env = cli.env
    return boto3.client(
        "s3", endpoint_url=env["MSS_ENDPOINT"], aws_access_key_id=env["MSS_ACCESS_KEY"],
        aws_secret_access_key=env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def rules_by_id(s3, bucket):
    try:
        return {rule["ID"]: rule for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
        return {}


def test_add_ls_rm(cli, cli_bucket):
    s3 = s3_client(cli)
    url = f"mss://{cli_bucket}"
    out = cli("ilm", "add", url, "--id", "logs", "--prefix", "logs/", "--expire-days", "30").stdout.decode()
    assert "added lifecycle rule 'logs'" in out
    cli("ilm", "add", url, "--id", "tmp", "--prefix", "tmp/", "--tags", "kind=scratch&team=a", "--expire-date", "2031-01-02")
    cli("ilm", "add", url, "--id", "old", "--noncurrent-expire-days", "7", "--newer-noncurrent-versions", "2",
        "--abort-uploads-days", "3", "--disabled")
    added = cli.json("ilm", "add", url, "--expire-delete-marker", "--prefix", "m/")
    generated = added[0]["ID"]
    assert generated and added[0]["action"] == "added"

    rules = rules_by_id(s3, cli_bucket)
    assert set(rules) == {"logs", "tmp", "old", generated}
    assert rules["logs"]["Expiration"] == {"Days": 30} and rules["logs"]["Filter"]["Prefix"] == "logs/"
    tmp = rules["tmp"]
    assert tmp["Expiration"]["Date"].isoformat() == "2031-01-02T00:00:00+00:00"
    assert sorted((t["Key"], t["Value"]) for t in tmp["Filter"]["And"]["Tags"]) == [("kind", "scratch"), ("team", "a")]
    assert rules["old"]["Status"] == "Disabled"
    expected = {"NoncurrentDays": 7, "NewerNoncurrentVersions": 2}
    if cli.name == "rgw":  # this RGW drops NewerNoncurrentVersions
        expected.pop("NewerNoncurrentVersions")
    assert rules["old"]["NoncurrentVersionExpiration"] == expected
    assert rules["old"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    assert rules[generated]["Expiration"] == {"ExpiredObjectDeleteMarker": True}

    table = cli("ilm", "ls", url).stdout.decode().splitlines()
    assert table[0].split() == ["ID", "STATUS", "PREFIX", "TAGS", "EXPIRES", "NONCURRENT", "ABORT", "UPLOADS"]
    logs = next(line for line in table if line.startswith("logs "))
    assert logs.split() == ["logs", "Enabled", "logs/", "-", "30d", "-", "-"]
    assert any("kind=scratch&team=a" in line and "2031-01-02" in line for line in table)
    listed = cli.json("ilm", "ls", url)
    assert len(listed) == 1 and {r["ID"] for r in listed[0]["Rules"]} == set(rules)

    # A second rule with the same ID is refused before the server is asked to replace anything.
    again = cli("ilm", "add", url, "--id", "logs", "--expire-days", "1", check=False)
    assert again.returncode == 1 and b"already has a lifecycle rule with ID 'logs'" in again.stderr

    cli("ilm", "rm", url, "--id", "logs")
    assert set(rules_by_id(s3, cli_bucket)) == {"tmp", "old", generated}
    missing = cli("ilm", "rm", url, "--id", "nosuch", check=False)
    assert missing.returncode == 1 and b"no lifecycle rule with ID 'nosuch'" in missing.stderr
    cli("ilm", "rm", url, "--all")
    assert rules_by_id(s3, cli_bucket) == {}
    assert cli.json("ilm", "ls", url)[0]["Rules"] == []


def test_export_and_import_round_trip(cli, cli_bucket, tmp_path):
    s3 = s3_client(cli)
    url = f"mss://{cli_bucket}"
    document = {"Rules": [
        {"ID": "a", "Status": "Enabled", "Filter": {"And": {"Prefix": "x/", "Tags": [{"Key": "k", "Value": "v"}],
                                                          "ObjectSizeGreaterThan": 10}},
         "Expiration": {"Days": 4}},
        {"ID": "b", "Status": "Enabled", "Filter": {"Prefix": "y/"}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
    ]}
    source = tmp_path / "rules.json"
    source.write_text(json.dumps(document))
    cli("ilm", "import", url, str(source))
    rules = rules_by_id(s3, cli_bucket)
    assert rules["a"]["Expiration"] == {"Days": 4}
    if cli.name == "mss":  # RGW answers the prefix beside <And> and keeps no size conditions
        assert rules["a"]["Filter"]["And"] == document["Rules"][0]["Filter"]["And"]
    assert rules["b"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}

    exported = json.loads(cli("ilm", "export", url).stdout)
    assert {r["ID"] for r in exported["Rules"]} == {"a", "b"}
    # What export writes, import reads back to the same rules (and awscli reads it too).
    target = tmp_path / "exported.json"
    cli("ilm", "export", url, str(target))
    cli("ilm", "rm", url, "--all")
    cli("ilm", "import", url, input=target.read_bytes())
    assert rules_by_id(s3, cli_bucket) == rules


def test_server_refusals_reach_the_user(cli, cli_bucket, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Rules": [{"ID": "z", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}]}))
    result = cli("ilm", "import", f"mss://{cli_bucket}", str(bad), check=False)
    assert result.returncode == 1, result.stderr
    if cli.name == "mss":  # RGW's answer carries no message
        assert b"'Days' for Expiration action must be a positive integer" in result.stderr, result.stderr
    debug = cli("ilm", "import", f"mss://{cli_bucket}", str(bad), "--debug", check=False)
    assert debug.returncode == 1 and b"InvalidArgument" in debug.stderr, debug.stderr


@pytest.mark.parametrize("args, message", [
    (["--expire-days", "0"], b"--expire-days must be a whole number of days"),
    (["--expire-days", "1", "--expire-date", "2030-01-01"], b"give one of --expire-days"),
    (["--expire-date", "2030-13-01"], b"is not a date"),
    (["--expire-date", "2030-01-01T10:00:00Z"], b"is not a midnight UTC"),
    ([], b"give an action"),
    (["--tags", "novalue", "--expire-days", "1"], b"KEY=VALUE"),
    (["--tags", "k=v", "--abort-uploads-days", "1"], b"refuses tags"),
    (["--newer-noncurrent-versions", "2", "--expire-days", "1"], b"goes with --noncurrent-expire-days"),
    (["--id", "x" * 256, "--expire-days", "1"], b"--id must be 1 to 255"),
], ids=["zero-days", "two-expirations", "bad-date", "not-midnight", "no-action", "bad-tags", "tags-abort", "newer-alone", "long-id"])
def test_usage_errors(cli, args, message):
    result = cli("ilm", "add", "mss://no-such-bucket-for-ilm", *args, check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"not json", b"is not JSON"),
    (b'{"Rules": []}', b"must hold 1 to 1000 rules"),
    (b'{"Rules": [{"ID": "a", "Status": "On", "Filter": {}}]}', b'"Status" must be'),
    (b'{"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]}',
     b"transitions"),
    (b'{"Rules": [{"ID": "a", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": "7"}}]}', b'"Days" must be a whole number'),
    (b'{"Rules": [{"ID": "a", "Status": "Enabled", "Bogus": 1}]}', b'unknown field "Bogus"'),
], ids=["not-json", "empty", "status", "transitions", "string-days", "unknown-field"])
def test_import_refuses_bad_files(cli, tmp_path, content, message):
    source = tmp_path / "rules.json"
    source.write_bytes(content)
    result = cli("ilm", "import", "mss://no-such-bucket-for-ilm", str(source), check=False)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
