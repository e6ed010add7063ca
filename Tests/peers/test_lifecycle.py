"""Bucket lifecycle with boto3: configuration round trips and every refusal against the shared
mss-server, and enforcement against a server of the test's own whose lifecycle "day" lasts
one second (--lifecycle-day-length) and which scans every 0.2 s (--lifecycle-interval).
"""
import base64
import hashlib
import subprocess
import time
import uuid

import pytest
from botocore.exceptions import ClientError

import rawhttp
from conftest import empty_and_delete, mss_command, new_bucket_name
from server_process import ACCESS_KEY, BINARY, SECRET_KEY, ServerProcess


def error_of(call):
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"].get("Message", ""), \
        caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def put(s3, bucket, rules):
    return s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


# MARK: configuration


def test_get_without_configuration_is_404(s3v4, bucket):
    code, message, status = error_of(lambda: s3v4.get_bucket_lifecycle_configuration(Bucket=bucket))
    assert (code, status) == ("NoSuchLifecycleConfiguration", 404)
    assert message == "The lifecycle configuration does not exist"


def test_round_trip_of_every_element_and_delete(s3, bucket):
    rules = [
        {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}},
        {"ID": "tagged", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}, {"Key": "team", "Value": "a b"}],
                            "ObjectSizeGreaterThan": 10, "ObjectSizeLessThan": 1000}},
         "Expiration": {"Days": 1}},
        {"ID": "one-tag", "Status": "Disabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 3}},
        {"ID": "legacy", "Status": "Enabled", "Prefix": "old/", "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
        {"ID": "date", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2031-02-03T00:00:00Z"}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 5}, "Expiration": {"ExpiredObjectDeleteMarker": True}},
    ]
    put(s3, bucket, rules)
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [rule["ID"] for rule in got] == [rule["ID"] for rule in rules]
    assert got[0]["Filter"] == {"Prefix": "logs/"} and got[0]["Expiration"] == {"Days": 30}
    assert got[1]["Filter"]["And"] == rules[1]["Filter"]["And"]
    assert got[2]["Filter"] == {"Tag": {"Key": "k", "Value": "v"}} and got[2]["Status"] == "Disabled"
    assert got[2]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7, "NewerNoncurrentVersions": 3}
    assert got[3]["Prefix"] == "old/" and "Filter" not in got[3]
    assert got[3]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 2}
    assert got[4]["Expiration"]["Date"].isoformat() == "2031-02-03T00:00:00+00:00"
    assert got[5]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    # A second PUT replaces the whole configuration.
    put(s3, bucket, [{"ID": "only", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 2}}])
    assert [rule["ID"] for rule in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]] == ["only"]
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket))[0] == "NoSuchLifecycleConfiguration"
    # Deleting what is not there is not an error, as in S3.
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_a_rule_without_id_gets_one(s3v4, bucket):
    put(s3v4, bucket, [{"Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}},
                       {"ID": "", "Status": "Enabled", "Filter": {"Prefix": "b/"}, "Expiration": {"Days": 1}}])
    ids = [rule["ID"] for rule in s3v4.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]]
    assert len(ids) == 2 and all(len(i) >= 16 for i in ids) and ids[0] != ids[1]


EXPIRE = {"Expiration": {"Days": 1}}
REFUSALS = {
    "days-zero": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}],
                  "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
    "days-negative": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": -3}}],
                      "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
    "date-not-midnight": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2030-01-01T12:00:00Z"}}],
                          "InvalidArgument", "'Date' must be at midnight GMT"),
    "duplicate-id": ([{"ID": "same", "Status": "Enabled", "Filter": {}, **EXPIRE}, {"ID": "same", "Status": "Enabled", "Filter": {}, **EXPIRE}],
                     "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"),
    "id-too-long": ([{"ID": "x" * 256, "Status": "Enabled", "Filter": {}, **EXPIRE}],
                    "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    "no-action": ([{"ID": "r", "Status": "Enabled", "Filter": {}}], "InvalidRequest", "At least one action needs to be specified in a rule"),
    "noncurrent-days-zero": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 0}}],
                             "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    "newer-noncurrent-zero": (
        [{"ID": "r", "Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 0}}],
        "InvalidArgument", "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100"),
    "abort-days-zero": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 0}}],
                        "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"),
    "abort-with-tags": ([{"ID": "r", "Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
                          "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}],
                        "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    "marker-with-tags": ([{"ID": "r", "Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
                           "Expiration": {"ExpiredObjectDeleteMarker": True}}],
                         "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."),
    "days-and-marker": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}}],
                        "MalformedXML", None),
    "days-and-date": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1, "Date": "2030-01-01T00:00:00Z"}}],
                      "MalformedXML", None),
    "bad-status": ([{"ID": "r", "Status": "On", "Filter": {}, **EXPIRE}], "MalformedXML", None),
    "filter-and-prefix": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Prefix": "a", **EXPIRE}], "MalformedXML", None),
    "neither-filter-nor-prefix": ([{"ID": "r", "Status": "Enabled", **EXPIRE}], "MalformedXML", None),
    "two-conditions-without-and": ([{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}}, **EXPIRE}],
                                   "MalformedXML", None),
    "sizes-crossed": ([{"ID": "r", "Status": "Enabled", "Filter": {"And": {"ObjectSizeGreaterThan": 100, "ObjectSizeLessThan": 100}}, **EXPIRE}],
                      "InvalidArgument", "ObjectSizeLessThan must be greater than ObjectSizeGreaterThan"),
    "duplicate-tag-keys": ([{"ID": "r", "Status": "Enabled",
                             "Filter": {"And": {"Tags": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}}, **EXPIRE}],
                           "InvalidArgument", "Duplicate Tag Keys are not allowed."),
    "prefix-too-long": ([{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "p" * 1025}, **EXPIRE}],
                        "InvalidRequest", "The maximum size of a prefix is 1024"),
    "too-many-rules": ([{"ID": f"r{i}", "Status": "Enabled", "Filter": {"Prefix": f"{i}/"}, **EXPIRE} for i in range(1001)],
                       "MalformedXML", None),
    "transition": ([{"ID": "r", "Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]}],
                   "NotImplemented", "mss-server has a single storage class: Transition and NoncurrentVersionTransition actions are not supported."),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_refusals(s3v4, bucket, case):
    rules, code, message = REFUSALS[case]
    put(s3v4, bucket, [{"ID": "kept", "Status": "Enabled", "Filter": {}, **EXPIRE}])
    got_code, got_message, status = error_of(lambda: put(s3v4, bucket, rules))
    assert got_code == code
    assert status == (501 if code == "NotImplemented" else 400)
    if message:
        assert got_message == message
    # A refused PUT leaves the configuration as it was.
    assert [r["ID"] for r in s3v4.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]] == ["kept"]


GOOD = b'<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>'


def raw_put(bucket, body, extra):
    headers = rawhttp.v4_headers("PUT", f"/{bucket}", [("lifecycle", "")], extra=extra,
                                 payload_hash=hashlib.sha256(body).hexdigest())
    return rawhttp.request("PUT", f"/{bucket}?lifecycle", headers, body)


def test_integrity_header_is_required_and_checked(bucket):
    response = raw_put(bucket, GOOD, {})
    assert (response.status, rawhttp.error_code(response)) == (400, "InvalidRequest")
    assert rawhttp.error_message(response) == "Missing required header for this request: Content-Md5."
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    response = raw_put(bucket, GOOD, {"content-md5": wrong_md5})
    assert (response.status, rawhttp.error_code(response)) == (400, "BadDigest")
    response = raw_put(bucket, GOOD, {"x-amz-checksum-crc32": "AAAAAA=="})
    assert (response.status, rawhttp.error_code(response)) == (400, "BadDigest")
    response = raw_put(bucket, GOOD, {"x-amz-checksum-sha256": base64.b64encode(hashlib.sha256(GOOD).digest()).decode()})
    assert response.status == 200, response.body
    response = raw_put(bucket, GOOD, {"content-md5": base64.b64encode(hashlib.md5(GOOD).digest()).decode()})
    assert response.status == 200, response.body


@pytest.mark.parametrize("body", [
    b"<LifecycleConfiguration><Rule>",
    b"<LifecycleConfiguration/>",
    b"<Other/>",
    b"<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>99999999999</Days></Expiration></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>1e3</Days></Expiration></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Date>tomorrow</Date></Expiration></Rule></LifecycleConfiguration>",
    b"<LifecycleConfiguration><Rule><ID>r</ID><Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
], ids=["truncated", "no-rules", "wrong-root", "days-overflow", "days-not-integer", "date-not-date", "negative-size"])
def test_malformed_documents(bucket, body):
    response = raw_put(bucket, body, {"content-md5": base64.b64encode(hashlib.md5(body).digest()).decode()})
    assert (response.status, rawhttp.error_code(response)) == (400, "MalformedXML"), response.body


def test_head_and_get_tell_when_an_object_expires(s3v4, bucket):
    put(s3v4, bucket, [
        {"ID": "late", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 30}},
        {"ID": "soon rule", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 10}},
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 1}},
    ])
    s3v4.put_object(Bucket=bucket, Key="logs/a", Body=b"x")
    s3v4.put_object(Bucket=bucket, Key="other", Body=b"x")
    head = s3v4.head_object(Bucket=bucket, Key="logs/a")
    modified = head["LastModified"].timestamp()
    # Ten days after the write, rounded up to the next midnight UTC; the earliest rule wins.
    due = (int(modified) // 86400 + 11) * 86400
    expected = f'expiry-date="{time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(due))}", rule-id="soon%20rule"'
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-expiration"] == expected
    got = s3v4.get_object(Bucket=bucket, Key="logs/a")
    assert got["Expiration"] == expected
    assert "x-amz-expiration" not in s3v4.head_object(Bucket=bucket, Key="other")["ResponseMetadata"]["HTTPHeaders"]
    s3v4.delete_bucket_lifecycle(Bucket=bucket)
    assert "x-amz-expiration" not in s3v4.head_object(Bucket=bucket, Key="logs/a")["ResponseMetadata"]["HTTPHeaders"]


def test_missing_bucket(s3v4):
    missing = new_bucket_name("nosuch")
    assert error_of(lambda: s3v4.get_bucket_lifecycle_configuration(Bucket=missing))[0] == "NoSuchBucket"
    assert error_of(lambda: put(s3v4, missing, [{"ID": "r", "Status": "Enabled", "Filter": {}, **EXPIRE}]))[0] == "NoSuchBucket"


# MARK: enforcement, on a server whose day lasts a second


DAY = 1.0


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("lifecycle")
    server = ServerProcess(root / "data", root / "server.log",
                           extra_args=["--lifecycle-day-length", str(DAY), "--lifecycle-interval", "0.2", "--no-image-service"])
    server.start()
    yield server
    server.stop()


def keys_of(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_expiry_by_days_date_and_prefix(fast_server):
    s3 = fast_server.client()
    bucket = f"ilm-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    put(s3, bucket, [
        {"ID": "days", "Status": "Enabled", "Filter": {"Prefix": "days/"}, "Expiration": {"Days": 3}},
        {"ID": "past", "Status": "Enabled", "Filter": {"Prefix": "past/"}, "Expiration": {"Date": "2020-01-01T00:00:00Z"}},
        {"ID": "future", "Status": "Enabled", "Filter": {"Prefix": "future/"}, "Expiration": {"Date": "2099-01-01T00:00:00Z"}},
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "off/"}, "Expiration": {"Days": 1}},
        {"ID": "small", "Status": "Enabled", "Filter": {"And": {"Prefix": "size/", "ObjectSizeLessThan": 10}}, "Expiration": {"Days": 1}},
    ])
    written = time.monotonic()
    for key in ["days/a", "days/b", "past/a", "future/a", "off/a", "keep/a", "day", "size/small"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key="size/large", Body=b"x" * 100)
    # A dated rule in the past expires at the next scan; three "days" have not passed yet.
    assert wait_for(lambda: "past/a" not in keys_of(s3, bucket), timeout=5)
    assert {"days/a", "days/b"} <= set(keys_of(s3, bucket)) or time.monotonic() - written >= 3 * DAY
    assert wait_for(lambda: not any(k.startswith("days/") for k in keys_of(s3, bucket)), timeout=10)
    assert time.monotonic() - written >= 3 * DAY - 0.5
    assert wait_for(lambda: "size/small" not in keys_of(s3, bucket), timeout=5)
    assert keys_of(s3, bucket) == ["day", "future/a", "keep/a", "off/a", "size/large"]
    assert "lifecycle expired an object" in fast_server.log_tail(200)


def test_expiry_by_tag(fast_server):
    s3 = fast_server.client()
    bucket = f"ilm-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    put(s3, bucket, [{"ID": "tag", "Status": "Enabled",
                      "Filter": {"And": {"Prefix": "t/", "Tags": [{"Key": "expire", "Value": "yes"}, {"Key": "team", "Value": "a"}]}},
                      "Expiration": {"Days": 1}}])
    s3.put_object(Bucket=bucket, Key="t/both", Body=b"x", Tagging="expire=yes&team=a&extra=1")
    s3.put_object(Bucket=bucket, Key="t/one", Body=b"x", Tagging="expire=yes")
    s3.put_object(Bucket=bucket, Key="t/other-value", Body=b"x", Tagging="expire=no&team=a")
    s3.put_object(Bucket=bucket, Key="u/both", Body=b"x", Tagging="expire=yes&team=a")
    assert wait_for(lambda: "t/both" not in keys_of(s3, bucket))
    time.sleep(2 * DAY)
    assert keys_of(s3, bucket) == ["t/one", "t/other-value", "u/both"]


def test_rules_made_with_mss_ilm_are_enforced(fast_server, tmp_path):
    """The rules the project's own client writes (mss ilm, through the SDK's LifecycleRule)
    are the rules the server applies."""
    mss = mss_command(tmp_path / "home", fast_server.endpoint, ACCESS_KEY, SECRET_KEY)
    s3 = fast_server.client()
    bucket = f"ilm-{uuid.uuid4().hex[:12]}"
    mss("mb", f"mss://{bucket}")
    mss("ilm", "add", f"mss://{bucket}", "--id", "scratch", "--prefix", "scratch/", "--tags", "kind=tmp", "--expire-days", "2")
    mss("ilm", "add", f"mss://{bucket}", "--id", "uploads", "--abort-uploads-days", "1")
    written = time.monotonic()
    for key, tags in [("scratch/a", "kind=tmp"), ("scratch/b", "kind=keep"), ("other/c", "kind=tmp")]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x", Tagging=tags)
    s3.create_multipart_upload(Bucket=bucket, Key="unfinished")
    assert wait_for(lambda: "scratch/a" not in keys_of(s3, bucket), timeout=10)
    assert time.monotonic() - written >= 2 * DAY - 0.5
    assert wait_for(lambda: not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"), timeout=10)
    assert keys_of(s3, bucket) == ["other/c", "scratch/b"]


def versions_of(s3, bucket, key):
    answer = s3.list_object_versions(Bucket=bucket, Prefix=key)
    versions = [(v["VersionId"], False, v["IsLatest"]) for v in answer.get("Versions", []) if v["Key"] == key]
    markers = [(m["VersionId"], True, m["IsLatest"]) for m in answer.get("DeleteMarkers", []) if m["Key"] == key]
    return versions, markers


def test_versioned_bucket(fast_server):
    s3 = fast_server.client()
    bucket = f"ilm-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put(s3, bucket, [
        {"ID": "current", "Status": "Enabled", "Filter": {"Prefix": "c/"}, "Expiration": {"Days": 1}},
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": "n/"},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": "m/"}, "Expiration": {"ExpiredObjectDeleteMarker": True}},
    ])
    first = s3.put_object(Bucket=bucket, Key="c/k", Body=b"current")["VersionId"]
    ids = [s3.put_object(Bucket=bucket, Key="n/k", Body=f"v{i}".encode())["VersionId"] for i in range(4)]
    lone = s3.put_object(Bucket=bucket, Key="m/k", Body=b"gone")["VersionId"]
    s3.delete_object(Bucket=bucket, Key="m/k")
    s3.delete_object(Bucket=bucket, Key="m/k", VersionId=lone)
    s3.put_object(Bucket=bucket, Key="m/kept", Body=b"x")
    kept_marker = s3.delete_object(Bucket=bucket, Key="m/kept")["VersionId"]

    # Current version expiry in a versioned bucket adds a delete marker and keeps the data.
    def current_expired():
        versions, markers = versions_of(s3, bucket, "c/k")
        return len(markers) == 1 and markers[0][2] and versions == [(first, False, False)]
    assert wait_for(current_expired)
    # Noncurrent versions go once a day noncurrent, except the newest noncurrent one.
    assert wait_for(lambda: versions_of(s3, bucket, "n/k")[0] == [(ids[3], False, True), (ids[2], False, False)])
    assert s3.get_object(Bucket=bucket, Key="n/k")["Body"].read() == b"v3"
    # A delete marker with nothing left behind it is removed; one hiding a version stays.
    assert wait_for(lambda: versions_of(s3, bucket, "m/k") == ([], []))
    versions, markers = versions_of(s3, bucket, "m/kept")
    assert len(versions) == 1 and markers == [(kept_marker, True, True)]


def test_abort_of_incomplete_uploads_and_restart_keeps_configuration(fast_server):
    s3 = fast_server.client()
    bucket = f"ilm-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    rules = [{"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "up/"}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]
    put(s3, bucket, rules)
    doomed = s3.create_multipart_upload(Bucket=bucket, Key="up/big")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="up/big", UploadId=doomed, PartNumber=1, Body=b"p" * 1000)
    kept = s3.create_multipart_upload(Bucket=bucket, Key="other/big")["UploadId"]
    started = time.monotonic()

    def upload_ids():
        return sorted(u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
    assert doomed in upload_ids() or time.monotonic() - started >= 2 * DAY
    assert wait_for(lambda: upload_ids() == [kept])
    assert time.monotonic() - started >= 2 * DAY - 0.5
    assert error_of(lambda: s3.list_parts(Bucket=bucket, Key="up/big", UploadId=doomed))[0] == "NoSuchUpload"
    before = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    fast_server.stop()
    fast_server.start()
    s3 = fast_server.client()
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == before == rules


@pytest.mark.parametrize("option, value", [
    ("--lifecycle-interval", "0"), ("--lifecycle-interval", "-1"), ("--lifecycle-interval", "nan"),
    ("--lifecycle-interval", "1e300"), ("--lifecycle-interval", "x"), ("--lifecycle-day-length", "0"),
    ("--lifecycle-day-length", "86401"), ("--lifecycle-day-length", "inf"),
])
def test_lifecycle_options_are_bounded(tmp_path, option, value):
    result = subprocess.run([BINARY, "--data", str(tmp_path / "data"), "--port", "0", "--no-image-service", option, value],
                            capture_output=True, timeout=30)
    assert result.returncode != 0
    assert option.encode() in result.stderr or b"valid" in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()
