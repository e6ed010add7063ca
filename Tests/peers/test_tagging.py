"""Object and bucket tagging through boto3: round trips, the x-amz-tagging header on PUT,
multipart and copy, tag counts on GET/HEAD, versions, every refusal AWS documents, and tags
kept across a restart."""
import os
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ENDPOINT, empty_and_delete, new_bucket_name
from server_process import ServerProcess


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"].get("Message", "")


def tagset(pairs):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}


def pairs_of(answer):
    return [(t["Key"], t["Value"]) for t in answer["TagSet"]]


def test_object_tagging_round_trip_keeps_order_etag_and_last_modified(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"hello")
    before = s3v4.head_object(Bucket=bucket, Key="k")
    assert s3v4.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert "TagCount" not in before
    time.sleep(1.1)  # a rewritten Last-Modified would show a second later
    tags = [("zeta", "1"), ("alpha", ""), ("ünï cödé", "a+b-c=d.e_f:g/h@i")]
    s3v4.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(tags))
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="k")) == tags
    after = s3v4.head_object(Bucket=bucket, Key="k")
    assert after["ETag"] == before["ETag"]
    assert after["LastModified"] == before["LastModified"]
    assert after["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "3"
    got = s3v4.get_object(Bucket=bucket, Key="k")
    assert got["TagCount"] == 3 and got["Body"].read() == b"hello"
    s3v4.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3v4.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert "x-amz-tagging-count" not in s3v4.head_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPHeaders"]


def test_tagging_header_on_put_multipart_and_copy(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="put", Body=b"x", Tagging="a=1&b=two%20words&empty=")
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="put")) == [("a", "1"), ("b", "two words"), ("empty", "")]

    upload = s3v4.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="project=mss&team=storage")
    part = s3v4.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=b"y" * 10)
    # Not visible until the upload completes: there is no object yet.
    assert error_of(s3v4.get_object_tagging, Bucket=bucket, Key="mp")[1] == "NoSuchKey"
    s3v4.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                   MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="mp")) == [("project", "mss"), ("team", "storage")]
    assert s3v4.head_object(Bucket=bucket, Key="mp")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "2"

    source = {"Bucket": bucket, "Key": "put"}
    s3v4.copy_object(Bucket=bucket, Key="copied", CopySource=source)
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="copied")) == [("a", "1"), ("b", "two words"), ("empty", "")]
    s3v4.copy_object(Bucket=bucket, Key="copied-copy", CopySource=source, TaggingDirective="COPY", Tagging="ignored=yes")
    assert len(s3v4.get_object_tagging(Bucket=bucket, Key="copied-copy")["TagSet"]) == 3
    s3v4.copy_object(Bucket=bucket, Key="replaced", CopySource=source, TaggingDirective="REPLACE", Tagging="new=tag")
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="replaced")) == [("new", "tag")]
    s3v4.copy_object(Bucket=bucket, Key="cleared", CopySource=source, TaggingDirective="REPLACE")
    assert s3v4.get_object_tagging(Bucket=bucket, Key="cleared")["TagSet"] == []


def test_tags_of_each_version(s3v4, bucket):
    s3v4.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3v4.put_object(Bucket=bucket, Key="v", Body=b"1", Tagging="gen=1")["VersionId"]
    second = s3v4.put_object(Bucket=bucket, Key="v", Body=b"2")["VersionId"]
    answer = s3v4.get_object_tagging(Bucket=bucket, Key="v", VersionId=first)
    assert pairs_of(answer) == [("gen", "1")] and answer["VersionId"] == first
    assert s3v4.get_object_tagging(Bucket=bucket, Key="v")["TagSet"] == []
    put = s3v4.put_object_tagging(Bucket=bucket, Key="v", VersionId=first, Tagging=tagset([("gen", "one")]))
    assert put["VersionId"] == first
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="v", VersionId=first)) == [("gen", "one")]
    assert s3v4.get_object_tagging(Bucket=bucket, Key="v", VersionId=second)["TagSet"] == []
    deleted = s3v4.delete_object_tagging(Bucket=bucket, Key="v", VersionId=first)
    assert deleted["VersionId"] == first
    assert s3v4.get_object_tagging(Bucket=bucket, Key="v", VersionId=first)["TagSet"] == []
    assert error_of(s3v4.get_object_tagging, Bucket=bucket, Key="v", VersionId="nope")[:2] == (404, "NoSuchVersion")


@pytest.mark.parametrize("tags, status, code, message", [
    ([(f"k{i}", "v") for i in range(11)], 400, "BadRequest", "Object tags cannot be greater than 10"),
    ([("k", "1"), ("k", "2")], 400, "InvalidTag", "Cannot provide multiple Tags with the same key"),
    ([("aws:reserved", "v")], 400, "InvalidTag", "Your TagKey cannot be prefixed with aws:"),
    ([("k" * 129, "v")], 400, "InvalidTag", "The TagKey you have provided is too long, max 128"),
    ([("k", "v" * 257)], 400, "InvalidTag", "The TagValue you have provided is too long, max 256"),
    ([("bad*key", "v")], 400, "InvalidTag", "The TagKey you have provided is invalid"),
    ([("k", "bad#value")], 400, "InvalidTag", "The TagValue you have provided is invalid"),
    ([("k", "smile\U0001F600")], 400, "InvalidTag", "The TagValue you have provided is invalid"),
    ([("tab\tkey", "v")], 400, "InvalidTag", "The TagKey you have provided is invalid"),
])
def test_object_tag_refusals(s3v4, bucket, tags, status, code, message):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=me")
    assert error_of(s3v4.put_object_tagging, Bucket=bucket, Key="k", Tagging=tagset(tags)) == (status, code, message)
    # A refused set changes nothing.
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="k")) == [("keep", "me")]


def test_limits_are_inclusive(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"x")
    # Letters, numbers and spaces of any script count, as AWS's \p{L}\p{Z}\p{N} do.
    tags = [(f"k{i}", "v") for i in range(8)] + [("é" * 128, "ü" * 256), ("日本\u3000語", "２\u00a0Ⅻ")]
    s3v4.put_object_tagging(Bucket=bucket, Key="k", Tagging=tagset(tags))
    assert pairs_of(s3v4.get_object_tagging(Bucket=bucket, Key="k")) == tags


def test_header_refusals_store_nothing(s3v4, bucket):
    for header, code in [("a=1&a=2", "InvalidArgument"), ("bad%zz=1", "InvalidArgument"),
                         ("aws:x=1", "InvalidTag"), ("&".join(f"k{i}=v" for i in range(11)), "BadRequest")]:
        status, got, _ = error_of(s3v4.put_object, Bucket=bucket, Key="h", Body=b"x", Tagging=header)
        assert (status, got) == (400, code), header
        status, got, _ = error_of(s3v4.create_multipart_upload, Bucket=bucket, Key="h", Tagging=header)
        assert (status, got) == (400, code), header
    assert error_of(s3v4.head_object, Bucket=bucket, Key="h")[0] == 404
    assert s3v4.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    s3v4.put_object(Bucket=bucket, Key="src", Body=b"x")
    assert error_of(s3v4.copy_object, Bucket=bucket, Key="d", CopySource={"Bucket": bucket, "Key": "src"},
                    TaggingDirective="MERGE")[:2] == (400, "InvalidArgument")


def put_raw_tagging(s3v4, bucket, key, body):
    """PutObjectTagging with `body` as sent, past boto3's own checks of the parameters."""
    def replace(request, **_):
        request.data = body
        for name in [h for h in request.headers if h.lower() == "content-md5" or h.lower().startswith("x-amz-checksum")
                     or h.lower() == "x-amz-sdk-checksum-algorithm"]:
            del request.headers[name]
    s3v4.meta.events.register_first("before-sign.s3.PutObjectTagging", replace)
    try:
        return error_of(s3v4.put_object_tagging, Bucket=bucket, Key=key, Tagging=tagset([("a", "b")]))
    finally:
        s3v4.meta.events.unregister("before-sign.s3.PutObjectTagging", replace)


def test_malformed_tagging_documents(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"x")
    for body in [b"<Tagging>", b"<Tagging></Tagging>", b"<Other><TagSet/></Other>",
                 b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>"]:
        assert put_raw_tagging(s3v4, bucket, "k", body)[:2] == (400, "MalformedXML"), body
    empty_key = b"<Tagging><TagSet><Tag><Key></Key><Value>v</Value></Tag></TagSet></Tagging>"
    assert put_raw_tagging(s3v4, bucket, "k", empty_key) == (400, "InvalidTag", "The TagKey you have provided is invalid")
    assert s3v4.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []


def test_tagging_missing_object_and_bucket(s3v4, bucket):
    assert error_of(s3v4.get_object_tagging, Bucket=bucket, Key="none")[:2] == (404, "NoSuchKey")
    assert error_of(s3v4.put_object_tagging, Bucket=bucket, Key="none", Tagging=tagset([("a", "b")]))[:2] == (404, "NoSuchKey")
    assert error_of(s3v4.get_bucket_tagging, Bucket="no-such-bucket-tagging")[:2] == (404, "NoSuchBucket")


def test_bucket_tagging(s3v4, bucket):
    status, code, message = error_of(s3v4.get_bucket_tagging, Bucket=bucket)
    assert (status, code, message) == (404, "NoSuchTagSet", "The TagSet does not exist")
    tags = [(f"key{i}", f"value {i}") for i in range(50)]
    s3v4.put_bucket_tagging(Bucket=bucket, Tagging=tagset(tags))
    assert pairs_of(s3v4.get_bucket_tagging(Bucket=bucket)) == tags
    assert error_of(s3v4.put_bucket_tagging, Bucket=bucket, Tagging=tagset(tags + [("one", "more")]))[:2] == (400, "InvalidTag")
    assert error_of(s3v4.put_bucket_tagging, Bucket=bucket, Tagging=tagset([("d", "1"), ("d", "2")]))[:2] == (400, "InvalidTag")
    assert pairs_of(s3v4.get_bucket_tagging(Bucket=bucket)) == tags
    s3v4.delete_bucket_tagging(Bucket=bucket)
    assert error_of(s3v4.get_bucket_tagging, Bucket=bucket)[:2] == (404, "NoSuchTagSet")


def test_only_the_owner_configures_tags(bucket, s3v4):
    users = os.environ.get("MSS_SERVER_USERS", "").split()
    assert users, "MSS_SERVER_USERS must name a second user: scripts/test.sh sets it"
    access, secret = users[0].split("|", 1)
    other = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=access,
                         aws_secret_access_key=secret,
                         config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    s3v4.put_bucket_tagging(Bucket=bucket, Tagging=tagset([("a", "b")]))
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_of(other.get_bucket_tagging, Bucket=bucket)[:2] == (403, "AccessDenied")
    assert error_of(other.put_bucket_tagging, Bucket=bucket, Tagging=tagset([("x", "y")]))[:2] == (403, "AccessDenied")
    assert error_of(other.put_object_tagging, Bucket=bucket, Key="k", Tagging=tagset([("x", "y")]))[:2] == (403, "AccessDenied")
    assert error_of(other.get_object_tagging, Bucket=bucket, Key="k")[:2] == (403, "AccessDenied")
    assert pairs_of(s3v4.get_bucket_tagging(Bucket=bucket)) == [("a", "b")]


def test_tags_survive_a_restart(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log").start()
    try:
        s3 = server.client()
        name = new_bucket_name("tags")
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"x", Tagging="a=1")
        s3.put_bucket_tagging(Bucket=name, Tagging=tagset([("b", "2")]))
        server.stop()
        server.start()
        s3 = server.client()
        assert pairs_of(s3.get_object_tagging(Bucket=name, Key="k")) == [("a", "1")]
        assert pairs_of(s3.get_bucket_tagging(Bucket=name)) == [("b", "2")]
        empty_and_delete(s3, name)
    finally:
        server.stop()
