"""`mss cors` and `mss tag` against each server: round trips through files (awscli JSON and
S3 XML), standard input and --json, versions, and the refusals, from the CLI and the server."""
import json

import requests


RULES = {"CORSRules": [
    {"ID": "app", "AllowedOrigins": ["https://app.example.com"], "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
]}


def test_cors_set_get_rm(cli, cli_bucket, tmp_path):
    path = f"mss://{cli_bucket}"
    missing = cli("cors", "get", path, check=False)
    assert missing.returncode == 1 and b"no CORS configuration" in missing.stderr
    rules = tmp_path / "cors.json"
    rules.write_text(json.dumps(RULES))
    assert b"set 2 CORS rule(s)" in cli("cors", "set", path, str(rules)).stdout
    printed = cli("cors", "get", path).stdout
    # What get prints, set reads back: the same rules.
    again = tmp_path / "again.json"
    again.write_bytes(printed)
    assert json.loads(printed)["CORSRules"][0]["AllowedOrigins"] == ["https://app.example.com"]
    cli("cors", "set", path, str(again))
    [answer] = cli.json("cors", "get", path)
    assert answer["bucket"] == cli_bucket
    assert [r["AllowedMethods"] for r in answer["CORSRules"]] == [["GET", "PUT"], ["GET"]]
    assert answer["CORSRules"][0]["ExposeHeaders"] == ["ETag"] and answer["CORSRules"][0]["MaxAgeSeconds"] == 300
    if cli.name == "mss":
        assert answer["CORSRules"] == RULES["CORSRules"]
        endpoint = cli.env["MSS_ENDPOINT"]
        preflight = requests.options(f"{endpoint}/{cli_bucket}/k", timeout=30, headers={
            "Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"})
        assert preflight.status_code == 200 and preflight.headers["Access-Control-Max-Age"] == "300"
    cli("cors", "rm", path)
    assert cli("cors", "get", path, check=False).returncode == 1


def test_cors_from_xml_on_standard_input(cli, cli_bucket):
    xml = (b"<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.org</AllowedOrigin>"
           b"<AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>")
    cli("cors", "set", f"mss://{cli_bucket}", "-", input=xml)
    [answer] = cli.json("cors", "get", f"mss://{cli_bucket}")
    assert answer["CORSRules"][0]["AllowedOrigins"] == ["https://*.example.org"]
    assert answer["CORSRules"][0]["AllowedMethods"] == ["HEAD"]


def test_cors_refusals(cli, cli_bucket, tmp_path):
    path = f"mss://{cli_bucket}"
    bad = tmp_path / "bad.json"
    for text, words in [("{", b"neither JSON nor XML"), ('{"Rules": []}', b'no "CORSRules"'),
                        ('{"CORSRules": [{"AllowedOrigins": "*", "AllowedMethods": ["GET"]}]}', b"list of strings"),
                        ('{"CORSRules": [{"AllowedOrigin": ["*"]}]}', b"unknown field"),
                        ('{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "MaxAgeSeconds": -1}]}', b"whole number")]:
        bad.write_text(text)
        result = cli("cors", "set", path, str(bad), check=False)
        assert result.returncode == 1 and words in result.stderr, (text, result.stderr)
    bad.write_text('{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]}')
    refused = cli("cors", "set", path, str(bad), check=False)
    assert refused.returncode == 1 and refused.stderr
    if cli.name == "mss":
        assert b"Unsupported method is PATCH" in refused.stderr
    assert cli("cors", "set", path, str(tmp_path / "absent.json"), check=False).returncode == 1
    assert cli("cors", "get", f"mss://{cli_bucket}/key", check=False).returncode == 2


def test_tags_of_objects_and_buckets(cli, cli_bucket, tmp_path):
    source = tmp_path / "f.txt"
    source.write_text("tagged")
    cli("cp", str(source), f"mss://{cli_bucket}/k")
    key = f"mss://{cli_bucket}/k"
    assert cli("tag", "get", key).stdout == b"\n" or cli("tag", "get", key).stdout.strip() == b""
    assert cli.json("stat", key)[0]["tagCount"] == 0
    cli("tag", "set", key, "project=atlas", "empty=", "spaced=a b")
    assert cli.json("stat", key)[0]["tagCount"] == 3
    assert b"Tags:         3" in cli("stat", key).stdout
    lines = sorted(cli("tag", "get", key).stdout.decode().splitlines())
    assert lines == ["empty=", "project=atlas", "spaced=a b"]
    [answer] = cli.json("tag", "get", key)
    assert {t["Key"]: t["Value"] for t in answer["tags"]} == {"project": "atlas", "empty": "", "spaced": "a b"}
    cli("tag", "rm", key)
    assert cli.json("tag", "get", key)[0]["tags"] == []

    bucket = f"mss://{cli_bucket}"
    cli("tag", "set", bucket, "team=storage")
    assert cli("tag", "get", bucket).stdout.decode().split() == ["team=storage"]
    cli("tag", "rm", bucket)
    assert cli.json("tag", "get", bucket)[0]["tags"] == []


def test_tags_of_a_version(cli, cli_bucket, tmp_path):
    import boto3  # the CLI has no versioning switch; boto3 turns it on
    from botocore.config import Config
    env = cli.env
    s3 = boto3.client("s3", endpoint_url=env["MSS_ENDPOINT"], aws_access_key_id=env["MSS_ACCESS_KEY"],
                      aws_secret_access_key=env["MSS_SECRET_KEY"], region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    s3.put_bucket_versioning(Bucket=cli_bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=cli_bucket, Key="v", Body=b"1")["VersionId"]
    s3.put_object(Bucket=cli_bucket, Key="v", Body=b"2")
    cli("tag", "set", f"mss://{cli_bucket}/v", "gen=1", "--version-id", first)
    assert cli("tag", "get", f"mss://{cli_bucket}/v", "--version-id", first).stdout.decode().split() == ["gen=1"]
    assert cli("tag", "get", f"mss://{cli_bucket}/v").stdout.strip() == b""
    cli("tag", "rm", f"mss://{cli_bucket}/v", "--version-id", first)
    assert cli("tag", "get", f"mss://{cli_bucket}/v", "--version-id", first).stdout.strip() == b""


def test_tag_refusals(cli, cli_bucket):
    key = f"mss://{cli_bucket}/none"
    for args in [("tag", "set", key, "novalue"), ("tag", "set", key, "=v"), ("tag", "set", key, "a=1", "a=2"),
                 ("tag", "get", f"mss://{cli_bucket}", "--version-id", "x")]:
        result = cli(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
    missing = cli("tag", "get", key, check=False)
    assert missing.returncode == 1 and missing.stderr
    too_many = cli("tag", "set", f"mss://{cli_bucket}", *[f"k{i}=v" for i in range(51)], check=False)
    assert too_many.returncode == 1 and too_many.stderr


def test_cp_tags_uploads_and_copies(cli, cli_bucket, tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("small")
    cli("cp", "--tags", "project=atlas&note=two%20words", str(small), f"mss://{cli_bucket}/small")
    assert sorted(cli("tag", "get", f"mss://{cli_bucket}/small").stdout.decode().splitlines()) == ["note=two words", "project=atlas"]
    big = tmp_path / "big.bin"
    big.write_bytes(b"b" * (6 << 20))
    cli("cp", "--part-size", "5", "--tags", "stage=mp", str(big), f"mss://{cli_bucket}/big")
    assert cli.json("stat", f"mss://{cli_bucket}/big")[0]["etag"].endswith("-2")  # it was a multipart upload
    streamed = cli("cp", "--tags", "from=stdin", "-", f"mss://{cli_bucket}/streamed", input=b"piped")
    assert streamed.returncode == 0
    cli("cp", "--tags", "copied=yes", f"mss://{cli_bucket}/small", f"mss://{cli_bucket}/copy")
    if cli.name == "mss":  # RGW drops multipart tags and ignores the REPLACE tagging directive
        assert cli("tag", "get", f"mss://{cli_bucket}/big").stdout.decode().split() == ["stage=mp"]
        assert cli("tag", "get", f"mss://{cli_bucket}/copy").stdout.decode().split() == ["copied=yes"]
    assert cli("tag", "get", f"mss://{cli_bucket}/streamed").stdout.decode().split() == ["from=stdin"]
    for tags in ["", "a=1&a=2", "=v", "bad%zz=1"]:
        result = cli("cp", "--tags", tags, str(small), f"mss://{cli_bucket}/refused", check=False)
        assert result.returncode == 2, (tags, result.stderr)
    download = cli("cp", "--tags", "a=b", f"mss://{cli_bucket}/small", str(tmp_path / "back.txt"), check=False)
    assert download.returncode == 2 and b"--tags" in download.stderr
    assert cli("stat", f"mss://{cli_bucket}/refused", check=False).returncode == 1
