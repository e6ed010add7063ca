"""Error answers that clients parse: a failed precondition carries the request's id like every other
error (and no body on HEAD); a copy whose source vanished is a 404, not a hint to slow down."""
import re

import botocore.exceptions
import pytest
import requests


def presigned(s3v4, method, bucket, key, **params):
    return s3v4.generate_presigned_url(method, Params={"Bucket": bucket, "Key": key, **params}, ExpiresIn=300)


def test_a_failed_get_precondition_names_its_request(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"body")
    answer = requests.get(presigned(s3v4, "get_object", bucket, "k"), headers={"If-Match": '"not-the-etag"'}, timeout=10)
    assert answer.status_code == 412
    assert b"<Code>PreconditionFailed</Code>" in answer.content
    request_id = answer.headers.get("x-amz-request-id", "")
    assert request_id, answer.headers
    # The id in the body is the one in the header, as S3 gives it, so a report quoting either finds the request.
    assert re.search(rb"<RequestId>([^<]+)</RequestId>", answer.content).group(1).decode() == request_id


def test_a_failed_head_precondition_has_no_body(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"body")
    answer = requests.head(presigned(s3v4, "head_object", bucket, "k"), headers={"If-Unmodified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"}, timeout=10)
    assert answer.status_code == 412 and answer.content == b""
    assert answer.headers.get("x-amz-request-id")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        s3v4.head_object(Bucket=bucket, Key="k", IfMatch='"0000"')
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_copy_errors_are_not_slow_down(s3v4, bucket):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        s3v4.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "never-written"})
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"
    upload = s3v4.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        s3v4.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1,
                              CopySource={"Bucket": bucket, "Key": "never-written"})
    assert raised.value.response["Error"]["Code"] == "NoSuchKey"
    s3v4.abort_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload)
