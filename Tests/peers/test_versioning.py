"""Versioning, conditional writes, GetObjectAttributes and bucket deletion with boto3.

The versioning and conditional-write checks run against mss-server and Ceph RGW with the same
assertions, so what mss-server answers is held to an independent implementation, not to our
reading of the documentation alone.
"""
import hashlib
import os
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY, empty_and_delete, new_bucket_name

RGW = os.environ.get("MSS_RGW_ENDPOINT", "")
SERVERS = {
    "mss": (ENDPOINT, ACCESS_KEY, SECRET_KEY),
    "rgw": (RGW, os.environ.get("MSS_RGW_ACCESS_KEY", ""), os.environ.get("MSS_RGW_SECRET_KEY", "")),
}


def make_client(server, signature="s3v4"):
    endpoint, access, secret = SERVERS[server]
    if not endpoint:
        pytest.fail(f"no endpoint for {server}: run through scripts/test.sh")
    return boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret, region_name="us-east-1",
        config=Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def purge(s3, name):
    """Deletes every version and delete marker, then the bucket: the cleanup most tools do."""
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
            entries = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if entries:
                s3.delete_objects(Bucket=name, Delete={"Objects": entries, "Quiet": True})
    except ClientError:
        pass
    empty_and_delete(s3, name)


@pytest.fixture(params=["mss", "rgw"])
def server(request):
    return request.param


@pytest.fixture
def s3(server):
    return make_client(server)


@pytest.fixture
def vbucket(s3):
    name = new_bucket_name("ver")
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    yield name
    purge(s3, name)


@pytest.fixture
def plain_bucket(s3):
    name = new_bucket_name("plain")
    s3.create_bucket(Bucket=name)
    yield name
    purge(s3, name)


def code(error):
    return error.value.response["Error"]["Code"]


def status(error):
    return error.value.response["ResponseMetadata"]["HTTPStatusCode"]


# Versioning state


def test_versioning_status_round_trip(s3, plain_bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=plain_bucket)
    s3.put_bucket_versioning(Bucket=plain_bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=plain_bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=plain_bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=plain_bucket)["Status"] == "Suspended"


def test_bad_versioning_document_is_refused(server, s3, plain_bucket):
    with pytest.raises(ClientError) as error:
        s3.put_bucket_versioning(Bucket=plain_bucket, VersioningConfiguration={"Status": "Sometimes"})
    assert status(error) == 400
    # AWS answers MalformedXML (the document does not match the schema); Ceph RGW InvalidArgument.
    assert code(error) == {"mss": "MalformedXML", "rgw": "InvalidArgument"}[server]
    assert "Status" not in s3.get_bucket_versioning(Bucket=plain_bucket)


def test_never_versioned_bucket_has_only_null_versions(s3, plain_bucket):
    s3.put_object(Bucket=plain_bucket, Key="k", Body=b"one")
    put = s3.put_object(Bucket=plain_bucket, Key="k", Body=b"two")
    assert "VersionId" not in put
    listing = s3.list_object_versions(Bucket=plain_bucket)
    versions = listing["Versions"]
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in versions] == [("k", "null", True)]
    assert "DeleteMarkers" not in listing
    assert s3.get_object(Bucket=plain_bucket, Key="k", VersionId="null")["Body"].read() == b"two"


# Versions


def test_every_write_is_a_version(s3, vbucket):
    ids = [s3.put_object(Bucket=vbucket, Key="doc", Body=f"v{i}".encode())["VersionId"] for i in range(3)]
    assert len(set(ids)) == 3 and "null" not in ids
    for i, version in enumerate(ids):
        got = s3.get_object(Bucket=vbucket, Key="doc", VersionId=version)
        assert got["Body"].read() == f"v{i}".encode()
        assert got["VersionId"] == version
        assert s3.head_object(Bucket=vbucket, Key="doc", VersionId=version)["ContentLength"] == 2
    current = s3.get_object(Bucket=vbucket, Key="doc")
    assert current["Body"].read() == b"v2" and current["VersionId"] == ids[2]
    listed = s3.list_object_versions(Bucket=vbucket)["Versions"]
    assert [v["VersionId"] for v in listed] == list(reversed(ids))
    assert [v["IsLatest"] for v in listed] == [True, False, False]
    assert listed[2]["ETag"] == '"%s"' % hashlib.md5(b"v0").hexdigest()


def test_delete_makes_a_marker_and_removing_it_restores(server, s3, vbucket):
    first = s3.put_object(Bucket=vbucket, Key="k", Body=b"data")["VersionId"]
    deleted = s3.delete_object(Bucket=vbucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker not in (first, "null")
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=vbucket, Key="k")
    assert code(error) == "NoSuchKey"
    if server == "mss":  # as AWS documents; Ceph RGW 16 leaves the header out
        headers = error.value.response["ResponseMetadata"]["HTTPHeaders"]
        assert headers.get("x-amz-delete-marker") == "true" and headers.get("x-amz-version-id") == marker
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=vbucket, Key="k", VersionId=marker)
    # AWS: 405, since a delete marker has no body to read; Ceph RGW 16: 404.
    assert status(error) == {"mss": 405, "rgw": 404}[server]
    assert "Contents" not in s3.list_objects(Bucket=vbucket)
    assert s3.list_objects_v2(Bucket=vbucket)["KeyCount"] == 0
    listing = s3.list_object_versions(Bucket=vbucket)
    assert [(m["VersionId"], m["IsLatest"]) for m in listing["DeleteMarkers"]] == [(marker, True)]
    assert [(v["VersionId"], v["IsLatest"]) for v in listing["Versions"]] == [(first, False)]
    # The old version stays readable by id.
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=first)["Body"].read() == b"data"
    removed = s3.delete_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"data"


def test_deleting_keys_never_written_makes_markers(server, s3, vbucket):
    # A key's first document can be a delete marker, in a folder of the store nothing has used
    # yet (mss-server answered 500 here until the shard folder was made for markers too).
    keys = [f"never-written-{number}" for number in range(40)] + ["a/b/c", "é/ü", "x" * 900]
    markers = {}
    for key in keys:
        deleted = s3.delete_object(Bucket=vbucket, Key=key)
        assert deleted["DeleteMarker"] is True, key
        markers[key] = deleted["VersionId"]
    listing = s3.list_object_versions(Bucket=vbucket)
    assert sorted((m["Key"], m["VersionId"]) for m in listing["DeleteMarkers"]) == sorted(markers.items())
    assert "Versions" not in listing
    assert s3.list_objects_v2(Bucket=vbucket)["KeyCount"] == 0
    # Deleted again, and by version: markers stack (as on AWS), then go.
    again = s3.delete_object(Bucket=vbucket, Key=keys[0])
    if server == "rgw":  # Ceph RGW 16 makes no second marker over a marker
        assert "VersionId" not in again
        stacked = [markers[keys[0]]]
    else:
        stacked = [again["VersionId"], markers[keys[0]]]
    for marker in stacked:
        assert s3.delete_object(Bucket=vbucket, Key=keys[0], VersionId=marker)["DeleteMarker"] is True
    assert all(m["Key"] != keys[0] for m in s3.list_object_versions(Bucket=vbucket).get("DeleteMarkers", []))


def test_deleting_a_version_permanently(server, s3, vbucket):
    old = s3.put_object(Bucket=vbucket, Key="k", Body=b"old")["VersionId"]
    new = s3.put_object(Bucket=vbucket, Key="k", Body=b"new")["VersionId"]
    assert s3.delete_object(Bucket=vbucket, Key="k", VersionId=new)["VersionId"] == new
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"old"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=new)
    assert status(error) == 404
    # AWS names the missing version NoSuchVersion; Ceph RGW 16 answers NoSuchKey.
    assert code(error) == {"mss": "NoSuchVersion", "rgw": "NoSuchKey"}[server]
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=old)
    assert "Versions" not in s3.list_object_versions(Bucket=vbucket)


def test_suspended_versioning_writes_and_replaces_the_null_version(s3, vbucket):
    kept = s3.put_object(Bucket=vbucket, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=vbucket, Key="k", Body=b"n1").get("VersionId", "null") == "null"
    s3.put_object(Bucket=vbucket, Key="k", Body=b"n2")
    versions = s3.list_object_versions(Bucket=vbucket)["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", kept]
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId="null")["Body"].read() == b"n2"
    deleted = s3.delete_object(Bucket=vbucket, Key="k")
    assert deleted["DeleteMarker"] is True and deleted.get("VersionId", "null") == "null"
    listing = s3.list_object_versions(Bucket=vbucket)
    assert [m["VersionId"] for m in listing["DeleteMarkers"]] == ["null"]
    assert [v["VersionId"] for v in listing["Versions"]] == [kept]


def test_copy_from_a_version(server, s3, vbucket):
    old = s3.put_object(Bucket=vbucket, Key="src", Body=b"old bytes")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="src", Body=b"new bytes")
    copied = s3.copy_object(Bucket=vbucket, Key="dst", CopySource={"Bucket": vbucket, "Key": "src", "VersionId": old})
    if server == "mss":  # AWS names both versions; Ceph RGW 16 sends neither header
        assert copied["CopySourceVersionId"] == old
        assert copied["VersionId"] not in (old, "null")
    assert s3.get_object(Bucket=vbucket, Key="dst")["Body"].read() == b"old bytes"
    # Restoring an old version over the current one, in place, is allowed.
    s3.copy_object(Bucket=vbucket, Key="src", CopySource={"Bucket": vbucket, "Key": "src", "VersionId": old})
    assert s3.get_object(Bucket=vbucket, Key="src")["Body"].read() == b"old bytes"
    assert len(s3.list_object_versions(Bucket=vbucket, Prefix="src")["Versions"]) == 3


def test_multipart_completion_makes_a_version(s3, vbucket):
    upload = s3.create_multipart_upload(Bucket=vbucket, Key="big")["UploadId"]
    etag = s3.upload_part(Bucket=vbucket, Key="big", UploadId=upload, PartNumber=1, Body=b"p" * 1024)["ETag"]
    done = s3.complete_multipart_upload(
        Bucket=vbucket, Key="big", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert done["VersionId"] not in (None, "null")
    assert s3.head_object(Bucket=vbucket, Key="big")["VersionId"] == done["VersionId"]


def test_delete_objects_with_version_ids(s3, vbucket):
    a1 = s3.put_object(Bucket=vbucket, Key="a", Body=b"1")["VersionId"]
    a2 = s3.put_object(Bucket=vbucket, Key="a", Body=b"2")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="b", Body=b"1")
    result = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "a", "VersionId": a1}, {"Key": "b"}]})
    deleted = {d["Key"]: d for d in result["Deleted"]}
    assert deleted["a"]["VersionId"] == a1
    assert deleted["b"]["DeleteMarker"] is True and deleted["b"]["DeleteMarkerVersionId"]
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=vbucket, Prefix="a")["Versions"]] == [a2]


def test_listing_versions_pages_with_markers_prefix_and_delimiter(s3, vbucket):
    expected = []
    for key in ["a/1", "a/2", "b", "c"]:
        ids = [s3.put_object(Bucket=vbucket, Key=key, Body=b"x")["VersionId"] for _ in range(2)]
        expected += [(key, version) for version in reversed(ids)]
    s3.delete_object(Bucket=vbucket, Key="c")
    seen = []
    pages = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=vbucket, PaginationConfig={"PageSize": 3}):
        pages += 1
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        assert len(entries) <= 3
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    assert pages == 3  # 9 entries: 8 versions and the marker
    assert seen == expected
    rolled = s3.list_object_versions(Bucket=vbucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["a/"]
    assert {v["Key"] for v in rolled["Versions"]} == {"b", "c"}
    only_a = s3.list_object_versions(Bucket=vbucket, Prefix="a/2")
    assert [v["Key"] for v in only_a["Versions"]] == ["a/2", "a/2"]
    # Starting inside a key's history: after its newest version.
    first_c = [v for k, v in expected if k == "c"][0]
    rest = s3.list_object_versions(Bucket=vbucket, KeyMarker="c", VersionIdMarker=first_c)
    assert [v["VersionId"] for v in rest["Versions"]] == [v for k, v in expected if k == "c"][1:]


def test_versioned_bucket_is_not_empty_while_versions_remain(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=vbucket, Key="k")
    with pytest.raises(ClientError) as error:
        s3.delete_bucket(Bucket=vbucket)
    assert code(error) == "BucketNotEmpty"


# Conditional writes


def test_if_none_match_creates_only_once(s3, plain_bucket):
    s3.put_object(Bucket=plain_bucket, Key="once", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=plain_bucket, Key="once", Body=b"second", IfNoneMatch="*")
    assert status(error) == 412 and code(error) == "PreconditionFailed"
    assert s3.get_object(Bucket=plain_bucket, Key="once")["Body"].read() == b"first"


def test_if_match_replaces_only_the_version_seen(server, s3, plain_bucket):
    if server == "rgw":
        pytest.skip("Ceph RGW 16 refuses If-Match on PUT even when the ETag matches")
    etag = s3.put_object(Bucket=plain_bucket, Key="k", Body=b"one")["ETag"]
    s3.put_object(Bucket=plain_bucket, Key="k", Body=b"two", IfMatch=etag)
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=plain_bucket, Key="k", Body=b"three", IfMatch=etag)
    assert status(error) == 412
    assert s3.get_object(Bucket=plain_bucket, Key="k")["Body"].read() == b"two"


def test_if_match_on_a_missing_key_is_no_such_key(server, s3, plain_bucket):
    if server == "rgw":
        pytest.skip("Ceph RGW 16 answers 412 here; AWS documents 404 NoSuchKey, which mss-server follows")
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=plain_bucket, Key="missing", Body=b"x", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert status(error) == 404 and code(error) == "NoSuchKey"


def test_conditional_complete_and_copy_on_mss():
    s3 = make_client("mss")
    name = new_bucket_name("cond")
    s3.create_bucket(Bucket=name)
    try:
        s3.put_object(Bucket=name, Key="taken", Body=b"x")
        upload = s3.create_multipart_upload(Bucket=name, Key="taken")["UploadId"]
        etag = s3.upload_part(Bucket=name, Key="taken", UploadId=upload, PartNumber=1, Body=b"p")["ETag"]
        with pytest.raises(ClientError) as error:
            s3.complete_multipart_upload(
                Bucket=name, Key="taken", UploadId=upload, IfNoneMatch="*",
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        assert status(error) == 412
        assert s3.get_object(Bucket=name, Key="taken")["Body"].read() == b"x"
        with pytest.raises(ClientError) as error:
            s3.copy_object(Bucket=name, Key="taken", CopySource={"Bucket": name, "Key": "taken"}, IfNoneMatch="*",
                           MetadataDirective="REPLACE")
        assert status(error) == 412
        s3.copy_object(Bucket=name, Key="fresh", CopySource={"Bucket": name, "Key": "taken"}, IfNoneMatch="*")
        assert s3.get_object(Bucket=name, Key="fresh")["Body"].read() == b"x"
    finally:
        purge(s3, name)


# Buckets


def test_delete_bucket_takes_incomplete_uploads_with_it():
    s3 = make_client("mss")
    name = new_bucket_name("uploads")
    s3.create_bucket(Bucket=name)
    upload = s3.create_multipart_upload(Bucket=name, Key="k")["UploadId"]
    s3.upload_part(Bucket=name, Key="k", UploadId=upload, PartNumber=1, Body=b"part")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as error:
        s3.head_bucket(Bucket=name)
    assert status(error) == 404
    # The name is free again and the old upload is gone with the bucket.
    s3.create_bucket(Bucket=name)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    s3.delete_bucket(Bucket=name)


# GetObjectAttributes (Ceph RGW 16 does not implement it)


def test_get_object_attributes():
    s3 = make_client("mss")
    name = new_bucket_name("attrs")
    s3.create_bucket(Bucket=name)
    try:
        s3.put_object(Bucket=name, Key="small", Body=b"hello", ChecksumAlgorithm="SHA256")
        attributes = s3.get_object_attributes(
            Bucket=name, Key="small", ObjectAttributes=["ETag", "ObjectSize", "StorageClass", "Checksum"])
        assert attributes["ETag"] == hashlib.md5(b"hello").hexdigest()
        assert attributes["ObjectSize"] == 5
        assert attributes["StorageClass"] == "STANDARD"
        assert "ChecksumSHA256" in attributes["Checksum"]
        only_size = s3.get_object_attributes(Bucket=name, Key="small", ObjectAttributes=["ObjectSize"])
        assert "ETag" not in only_size and only_size["ObjectSize"] == 5
        upload = s3.create_multipart_upload(Bucket=name, Key="multi")["UploadId"]
        parts = []
        for number in (1, 2):
            body = b"m" * (5 * 1024 * 1024 if number == 1 else 10)
            etag = s3.upload_part(Bucket=name, Key="multi", UploadId=upload, PartNumber=number, Body=body)["ETag"]
            parts.append({"PartNumber": number, "ETag": etag})
        s3.complete_multipart_upload(Bucket=name, Key="multi", UploadId=upload, MultipartUpload={"Parts": parts})
        multi = s3.get_object_attributes(Bucket=name, Key="multi", ObjectAttributes=["ObjectParts", "ObjectSize"])
        assert multi["ObjectParts"]["TotalPartsCount"] == 2
        assert multi["ObjectSize"] == 5 * 1024 * 1024 + 10
        with pytest.raises(ClientError) as error:
            s3.get_object_attributes(Bucket=name, Key="nothing", ObjectAttributes=["ETag"])
        assert code(error) == "NoSuchKey"
    finally:
        purge(s3, name)
