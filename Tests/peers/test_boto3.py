"""boto3 against mss-server, with SigV4 (and its default aws-chunked CRC32 uploads) and SigV2."""
import hashlib
import os
import time
import http.client
import urllib.parse

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from conftest import client, empty_and_delete, new_bucket_name


def fetch(url, method="GET", data=None):
    """A bare HTTP request: no headers beyond Host and Content-Length (urllib would add a Content-Type)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    target = parts.path + ("?" + parts.query if parts.query else "")
    connection.request(method, target, body=data)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def test_put_get_list_delete(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    try:
        put = s3.put_object(Bucket=name, Key="dir/hello.txt", Body=b"hello world", ContentType="text/plain",
                            Metadata={"color": "blue"})
        assert put["ETag"] == '"%s"' % hashlib.md5(b"hello world").hexdigest()
        got = s3.get_object(Bucket=name, Key="dir/hello.txt")
        assert got["Body"].read() == b"hello world"
        assert got["ContentType"] == "text/plain"
        assert got["Metadata"] == {"color": "blue"}
        head = s3.head_object(Bucket=name, Key="dir/hello.txt")
        assert head["ContentLength"] == 11
        ranged = s3.get_object(Bucket=name, Key="dir/hello.txt", Range="bytes=6-")
        assert ranged["Body"].read() == b"world"
        assert ranged["ContentRange"] == "bytes 6-10/11"
        for i in range(5):
            s3.put_object(Bucket=name, Key=f"many/{i}", Body=str(i).encode())
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix="many/", PaginationConfig={"PageSize": 2}))
        assert [o["Key"] for p in pages for o in p.get("Contents", [])] == [f"many/{i}" for i in range(5)]
        v1 = list(s3.get_paginator("list_objects").paginate(Bucket=name, Delimiter="/", PaginationConfig={"PageSize": 1}))
        assert [c["Prefix"] for p in v1 for c in p.get("CommonPrefixes", [])] == ["dir/", "many/"]
        s3.copy_object(Bucket=name, Key="copy.txt", CopySource={"Bucket": name, "Key": "dir/hello.txt"})
        assert s3.get_object(Bucket=name, Key="copy.txt")["Body"].read() == b"hello world"
        deleted = s3.delete_objects(Bucket=name, Delete={"Objects": [{"Key": f"many/{i}"} for i in range(5)]})
        assert len(deleted["Deleted"]) == 5
        s3.delete_object(Bucket=name, Key="dir/hello.txt")
        with pytest.raises(ClientError) as missing:
            s3.get_object(Bucket=name, Key="dir/hello.txt")
        assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    finally:
        empty_and_delete(s3, name)


def test_checksums_are_verified_and_returned(s3v4, bucket):
    for algorithm in ["CRC32", "CRC32C", "SHA256"]:
        put = s3v4.put_object(Bucket=bucket, Key=f"sum-{algorithm}", Body=b"checksummed", ChecksumAlgorithm=algorithm)
        assert f"Checksum{algorithm}" in put
        head = s3v4.head_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
        assert head[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]
    with pytest.raises(ClientError) as bad:
        s3v4.put_object(Bucket=bucket, Key="bad-sum", Body=b"checksummed", ChecksumCRC32="AAAAAA==")
    assert bad.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError):
        s3v4.head_object(Bucket=bucket, Key="bad-sum")


def test_multipart_transfer(s3, tmp_path):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    try:
        source = tmp_path / "big.bin"
        source.write_bytes(os.urandom(17 * 1024 * 1024 + 123))
        config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
        s3.upload_file(str(source), name, "big.bin", Config=config)
        head = s3.head_object(Bucket=name, Key="big.bin")
        assert head["ETag"].endswith('-4"')
        target = tmp_path / "back.bin"
        s3.download_file(name, "big.bin", str(target), Config=config)
        assert hashlib.md5(target.read_bytes()).hexdigest() == hashlib.md5(source.read_bytes()).hexdigest()
        upload = s3.create_multipart_upload(Bucket=name, Key="parts")
        uploads = s3.list_multipart_uploads(Bucket=name)["Uploads"]
        assert [u["UploadId"] for u in uploads] == [upload["UploadId"]]
        part = s3.upload_part_copy(Bucket=name, Key="parts", UploadId=upload["UploadId"], PartNumber=1,
                                   CopySource={"Bucket": name, "Key": "big.bin"}, CopySourceRange="bytes=0-5242879")
        tail = s3.upload_part(Bucket=name, Key="parts", UploadId=upload["UploadId"], PartNumber=2, Body=b"tail")
        listed = s3.list_parts(Bucket=name, Key="parts", UploadId=upload["UploadId"])["Parts"]
        assert [p["Size"] for p in listed] == [5242880, 4]
        s3.complete_multipart_upload(Bucket=name, Key="parts", UploadId=upload["UploadId"], MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": part["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": tail["ETag"]}]})
        body = s3.get_object(Bucket=name, Key="parts")["Body"].read()
        assert body == source.read_bytes()[:5242880] + b"tail"
        small = s3.create_multipart_upload(Bucket=name, Key="small")
        a = s3.upload_part(Bucket=name, Key="small", UploadId=small["UploadId"], PartNumber=1, Body=b"a")
        b = s3.upload_part(Bucket=name, Key="small", UploadId=small["UploadId"], PartNumber=2, Body=b"b")
        with pytest.raises(ClientError) as too_small:
            s3.complete_multipart_upload(Bucket=name, Key="small", UploadId=small["UploadId"], MultipartUpload={"Parts": [
                {"PartNumber": 1, "ETag": a["ETag"]}, {"PartNumber": 2, "ETag": b["ETag"]}]})
        assert too_small.value.response["Error"]["Code"] == "EntityTooSmall"
        with pytest.raises(ClientError) as order:
            s3.complete_multipart_upload(Bucket=name, Key="small", UploadId=small["UploadId"], MultipartUpload={"Parts": [
                {"PartNumber": 2, "ETag": b["ETag"]}, {"PartNumber": 1, "ETag": a["ETag"]}]})
        assert order.value.response["Error"]["Code"] == "InvalidPartOrder"
        s3.abort_multipart_upload(Bucket=name, Key="small", UploadId=small["UploadId"])
    finally:
        empty_and_delete(s3, name)


def test_presigned_urls(s3, bucket):
    s3.put_object(Bucket=bucket, Key="shared file.txt", Body=b"shared")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared file.txt"}, ExpiresIn=60)
    assert fetch(url) == (200, b"shared")
    tampered = url.replace("shared%20file.txt", "shared%20file.tx2")
    assert fetch(tampered)[0] == 403
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "uploaded"}, ExpiresIn=60)
    assert fetch(put_url, "PUT", b"via url")[0] == 200
    assert s3.get_object(Bucket=bucket, Key="uploaded")["Body"].read() == b"via url"
    short = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared file.txt"}, ExpiresIn=1)
    time.sleep(2.2)
    status, body = fetch(short)
    assert status == 403 and b"AccessDenied" in body


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_wrong_secret_is_refused(bucket, signature):
    intruder = client(signature, secret="not-the-secret")
    with pytest.raises(ClientError) as denied:
        intruder.put_object(Bucket=bucket, Key="intruder", Body=b"x")
    assert denied.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    with pytest.raises(ClientError):
        client(signature).head_object(Bucket=bucket, Key="intruder")


def test_anonymous_reads_follow_the_acl(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="public", Body=b"open", ACL="public-read")
    s3v4.put_object(Bucket=bucket, Key="private", Body=b"closed")
    base = s3v4.meta.endpoint_url
    assert fetch(f"{base}/{bucket}/public") == (200, b"open")
    assert fetch(f"{base}/{bucket}/private")[0] == 403
    assert fetch(f"{base}/{bucket}/anonymous-write", "PUT", b"x")[0] == 403
    assert fetch(f"{base}/{bucket}")[0] == 403


def test_conditional_requests(s3v4, bucket):
    put = s3v4.put_object(Bucket=bucket, Key="c", Body=b"conditional")
    etag = put["ETag"]
    assert s3v4.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"conditional"
    with pytest.raises(ClientError) as failed:
        s3v4.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert failed.value.response["Error"]["Code"] in ("PreconditionFailed", "412")
    with pytest.raises(ClientError) as not_modified:
        s3v4.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert not_modified.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    overridden = s3v4.get_object(Bucket=bucket, Key="c", ResponseContentType="application/x-test",
                                 ResponseContentDisposition="attachment")
    assert overridden["ContentType"] == "application/x-test"
    assert overridden["ContentDisposition"] == "attachment"
    with pytest.raises(ClientError) as unsatisfiable:
        s3v4.get_object(Bucket=bucket, Key="c", Range="bytes=100-200")
    assert unsatisfiable.value.response["Error"]["Code"] == "InvalidRange"
