"""Server-side encryption (SSE-S3 and SSE-C) through boto3 against an mss-server of the module's
own (so its data directory can be searched for plaintext, tampered with and restarted): round
trips, ranges, multipart, copies between kinds, every refusal S3 makes, and what lands on disk."""
import base64
import hashlib
import os
import stat

import boto3
import botocore.exceptions
from botocore.config import Config
import pytest
import requests

from server_process import ACCESS_KEY, SECRET_KEY, ServerProcess

KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
MIB = 1024 * 1024


def sse_c(key=KEY_A, prefix=""):
    return {f"{prefix}SSECustomerAlgorithm": "AES256", f"{prefix}SSECustomerKey": key}


def code_of(excinfo):
    error = excinfo.value.response["Error"]
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"], error.get("Code"), error.get("Message", "")


def with_headers(client, event, headers):
    """Registers a hook that sets raw headers before signing (for what boto3 will not send)."""
    def hook(request, **_):
        for name, value in headers.items():
            if value is None:
                request.headers.pop(name, None)
            else:
                request.headers[name] = value
    client.meta.events.register(f"before-sign.s3.{event}", hook)
    return hook


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("sse")
    process = ServerProcess(root / "data", root / "server.log").start()
    yield process
    process.stop()


@pytest.fixture
def s3(server):
    return server.client()


@pytest.fixture
def bucket(s3, request):
    name = "sse-" + hashlib.sha256(request.node.name.encode()).hexdigest()[:20]
    s3.create_bucket(Bucket=name)
    return name


def data_files(data_dir):
    for folder, _, files in os.walk(data_dir):
        for name in files:
            yield os.path.join(folder, name)


def assert_not_on_disk(data_dir, plaintexts):
    """No file under the data directory holds any of several 32-byte slices of any plaintext."""
    slices = []
    for text in plaintexts:
        step = max(1, (len(text) - 32) // 7)
        slices += [text[i:i + 32] for i in range(0, len(text) - 32, step)][:8]
    assert len(slices) >= 8 * len(plaintexts) - len(plaintexts)
    checked = 0
    for path in data_files(data_dir):
        with open(path, "rb") as handle:
            content = handle.read()
        checked += 1
        for piece in slices:
            assert piece not in content, f"plaintext found in {path}"
    assert checked > 0


def data_file_of(data_dir, bucket, key):
    digest = hashlib.sha256(key.encode()).hexdigest()
    folder = os.path.join(data_dir, "buckets", bucket, "objects", digest[:2])
    found = [os.path.join(folder, name) for name in os.listdir(folder) if name.startswith(digest + ".") and not name.endswith(".json")]
    assert len(found) == 1, found
    return found[0]


def test_sse_s3_round_trip_headers_and_ranges(s3, bucket):
    body = os.urandom(200_000)
    put = s3.put_object(Bucket=bucket, Key="s3", Body=body, ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256"
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'  # SSE-S3: the plaintext's MD5, as AWS
    got = s3.get_object(Bucket=bucket, Key="s3")
    assert got["ServerSideEncryption"] == "AES256" and got["Body"].read() == body
    assert s3.head_object(Bucket=bucket, Key="s3")["ServerSideEncryption"] == "AES256"
    for first, last in [(0, 0), (65530, 65545), (65536, 131072), (199_990, 199_999), (1, 199_999)]:
        part = s3.get_object(Bucket=bucket, Key="s3", Range=f"bytes={first}-{last}")
        assert part["Body"].read() == body[first:last + 1], (first, last)
        assert part["ContentRange"] == f"bytes {first}-{last}/200000"
    assert s3.get_object(Bucket=bucket, Key="s3", Range="bytes=-7")["Body"].read() == body[-7:]
    etag = put["ETag"]
    assert s3.get_object(Bucket=bucket, Key="s3", IfMatch=etag)["Body"].read() == body
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="s3", IfNoneMatch=etag)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    # SSE-C headers on an SSE-S3 object are refused, as S3 refuses them.
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="s3", **sse_c())
    assert code_of(excinfo)[:2] == (400, "InvalidRequest")
    # A read cannot choose how the object is encrypted: S3 refuses the header on GET and HEAD.
    hook = with_headers(s3, "GetObject", {"x-amz-server-side-encryption": "AES256"})
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="s3")
    s3.meta.events.unregister("before-sign.s3.GetObject", hook)
    assert code_of(excinfo)[:2] == (400, "InvalidArgument")
    assert s3.get_object(Bucket=bucket, Key="s3")["Body"].read() == body
    empty = s3.put_object(Bucket=bucket, Key="empty", Body=b"", ServerSideEncryption="AES256")
    assert empty["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    assert s3.get_object(Bucket=bucket, Key="empty")["Body"].read() == b""


def test_sse_c_round_trip_and_key_refusals(s3, bucket):
    body = os.urandom(150_001)
    put = s3.put_object(Bucket=bucket, Key="c", Body=body, **sse_c())
    md5_a = base64.b64encode(hashlib.md5(KEY_A).digest()).decode()
    assert put["SSECustomerAlgorithm"] == "AES256" and put["SSECustomerKeyMD5"] == md5_a
    # The ETag is not the plaintext's MD5 (it would tell who knows a candidate plaintext).
    assert put["ETag"] != f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="c", **sse_c())
    assert got["Body"].read() == body and got["SSECustomerKeyMD5"] == md5_a and got["ETag"] == put["ETag"]
    head = s3.head_object(Bucket=bucket, Key="c", **sse_c())
    assert head["ContentLength"] == len(body) and head["SSECustomerAlgorithm"] == "AES256"
    part = s3.get_object(Bucket=bucket, Key="c", Range="bytes=65535-131073", **sse_c())
    assert part["Body"].read() == body[65535:131074]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=put["ETag"], **sse_c())["Body"].read() == body
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call(Bucket=bucket, Key="c")
        assert code_of(excinfo)[:2] == (400, "InvalidRequest" if call.__name__ == "get_object" else "400")
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call(Bucket=bucket, Key="c", **sse_c(KEY_B))
        assert code_of(excinfo)[0] == 403
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c")
    assert "The correct parameters must be provided to retrieve the object." in code_of(excinfo)[2]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", **sse_c(KEY_B))
    assert code_of(excinfo)[1] == "AccessDenied"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="c", ObjectAttributes=["ObjectSize"])
    assert code_of(excinfo)[:2] == (400, "InvalidRequest")
    attributes = s3.get_object_attributes(
        Bucket=bucket, Key="c", ObjectAttributes=["ObjectSize"], SSECustomerAlgorithm="AES256",
        SSECustomerKey=base64.b64encode(KEY_A).decode(), SSECustomerKeyMD5=md5_a)
    assert attributes["ObjectSize"] == len(body)


@pytest.mark.parametrize("headers,status,code,fragment", [
    ({"x-amz-server-side-encryption": "aws:kms"}, 501, "NotImplemented", "KMS"),
    ({"x-amz-server-side-encryption": "aws:kms:dsse"}, 501, "NotImplemented", "KMS"),
    ({"x-amz-server-side-encryption-aws-kms-key-id": "k"}, 501, "NotImplemented", "KMS"),
    ({"x-amz-server-side-encryption": "AES128"}, 400, "InvalidArgument", "encryption method specified is not supported"),
    ({"x-amz-server-side-encryption": "AES256", "x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A).decode(),
      "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(KEY_A).digest()).decode()},
     400, "InvalidArgument", "both SSE-C and SSE-S3"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A).decode(),
      "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(KEY_B).digest()).decode()},
     400, "InvalidArgument", "MD5 hash of the key did not match"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A[:16]).decode(),
      "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(KEY_A[:16]).digest()).decode()},
     400, "InvalidArgument", "secret key was invalid"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": "!!not base64!!",
      "x-amz-server-side-encryption-customer-key-MD5": "AAAA"},
     400, "InvalidArgument", "secret key was invalid"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES256"}, 400, "InvalidArgument", "appropriate secret key"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
      "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A).decode()},
     400, "InvalidArgument", "client calculated MD5"),
    ({"x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A).decode()}, 400, "InvalidArgument", "valid encryption algorithm"),
    ({"x-amz-server-side-encryption-customer-algorithm": "AES128",
      "x-amz-server-side-encryption-customer-key": base64.b64encode(KEY_A).decode(),
      "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(hashlib.md5(KEY_A).digest()).decode()},
     400, "InvalidArgument", "algorithm specified is not supported"),
])
def test_refusals(server, bucket, headers, status, code, fragment):
    s3 = server.client()
    with_headers(s3, "PutObject", headers)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="refused", Body=b"secret")
    got_status, got_code, message = code_of(excinfo)
    assert (got_status, got_code) == (status, code) and fragment in message, message
    # The refused key never shows up in the answer.
    assert base64.b64encode(KEY_A).decode() not in str(excinfo.value.response)
    with pytest.raises(botocore.exceptions.ClientError):
        server.client().head_object(Bucket=bucket, Key="refused")


def multipart(s3, bucket, key, parts, create=None, part_args=None):
    create = create or {}
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)
    etags = []
    for number, body in enumerate(parts, 1):
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=body, **(part_args or {}))
        etags.append({"PartNumber": number, "ETag": answer["ETag"]})
    return upload, s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": etags})


def test_multipart_sse_c_and_sse_s3(s3, bucket):
    parts = [os.urandom(5 * MIB), os.urandom(MIB + 3)]
    whole = b"".join(parts)
    upload, done = multipart(s3, bucket, "mc", parts, create=sse_c(), part_args=sse_c())
    assert upload["SSECustomerAlgorithm"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="mc", **sse_c())["Body"].read() == whole
    seam = 5 * MIB
    assert s3.get_object(Bucket=bucket, Key="mc", Range=f"bytes={seam - 10}-{seam + 70000}", **sse_c())["Body"].read() == whole[seam - 10:seam + 70001]
    upload, done = multipart(s3, bucket, "ms", parts, create={"ServerSideEncryption": "AES256"})
    assert upload["ServerSideEncryption"] == "AES256" and done["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="ms")["Body"].read() == whole
    assert s3.head_object(Bucket=bucket, Key="ms")["ContentLength"] == len(whole)


def test_multipart_sse_c_parts_need_the_upload_key(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k", **sse_c())
    for extra, expected in [({}, 400), (sse_c(KEY_B), 400)]:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            s3.upload_part(Bucket=bucket, Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"x", **extra)
        assert code_of(excinfo)[:2] == (expected, "InvalidRequest")
    answer = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"x", **sse_c())
    assert answer["SSECustomerKeyMD5"] == base64.b64encode(hashlib.md5(KEY_A).digest()).decode()
    # Completing needs no key, as in S3.
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": answer["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="k", **sse_c())["Body"].read() == b"x"


def test_copies_between_kinds(s3, bucket):
    body = os.urandom(100_000)
    s3.put_object(Bucket=bucket, Key="src-c", Body=body, **sse_c())
    source = {"Bucket": bucket, "Key": "src-c"}
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="no-key", CopySource=source)
    assert code_of(excinfo)[:2] == (400, "InvalidRequest")
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="wrong-key", CopySource=source, **sse_c(KEY_B, "CopySource"))
    assert code_of(excinfo)[0] == 403
    to_s3 = s3.copy_object(Bucket=bucket, Key="to-s3", CopySource=source, ServerSideEncryption="AES256", **sse_c(prefix="CopySource"))
    assert to_s3["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="to-s3")["Body"].read() == body
    to_plain = s3.copy_object(Bucket=bucket, Key="to-plain", CopySource=source, **sse_c(prefix="CopySource"))
    assert "ServerSideEncryption" not in to_plain
    plain = s3.get_object(Bucket=bucket, Key="to-plain")
    assert plain["Body"].read() == body and plain["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    to_b = s3.copy_object(Bucket=bucket, Key="to-b", CopySource={"Bucket": bucket, "Key": "to-s3"}, **sse_c(KEY_B))
    assert to_b["SSECustomerKeyMD5"] == base64.b64encode(hashlib.md5(KEY_B).digest()).decode()
    assert s3.get_object(Bucket=bucket, Key="to-b", **sse_c(KEY_B))["Body"].read() == body
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=bucket, Key="to-b", **sse_c(KEY_A))
    # Re-encrypting an object in place is allowed: the encryption changes.
    s3.copy_object(Bucket=bucket, Key="to-plain", CopySource={"Bucket": bucket, "Key": "to-plain"}, ServerSideEncryption="AES256")
    assert s3.head_object(Bucket=bucket, Key="to-plain")["ServerSideEncryption"] == "AES256"
    # UploadPartCopy from an SSE-C source into an SSE-S3 upload, with a range.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="upc", ServerSideEncryption="AES256")
    copied = s3.upload_part_copy(Bucket=bucket, Key="upc", UploadId=upload["UploadId"], PartNumber=1, CopySource=source,
                                 CopySourceRange="bytes=10-70009", **sse_c(prefix="CopySource"))
    s3.complete_multipart_upload(Bucket=bucket, Key="upc", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="upc")["Body"].read() == body[10:70010]


def test_plaintext_never_on_disk_master_key_private_and_restart(server, s3, bucket):
    plain = {name: os.urandom(size) for name, size in [("one-s3", 300_000), ("one-c", 300_000)]}
    s3.put_object(Bucket=bucket, Key="one-s3", Body=plain["one-s3"], ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="one-c", Body=plain["one-c"], **sse_c())
    parts_s3 = [os.urandom(5 * MIB), os.urandom(200_000)]
    parts_c = [os.urandom(5 * MIB), os.urandom(200_000)]
    multipart(s3, bucket, "multi-s3", parts_s3, create={"ServerSideEncryption": "AES256"})
    multipart(s3, bucket, "multi-c", parts_c, create=sse_c(), part_args=sse_c())
    # A pending upload's parts are on disk too.
    pending = s3.create_multipart_upload(Bucket=bucket, Key="pending", **sse_c())
    pending_part = os.urandom(300_000)
    s3.upload_part(Bucket=bucket, Key="pending", UploadId=pending["UploadId"], PartNumber=1, Body=pending_part, **sse_c())
    texts = list(plain.values()) + parts_s3 + parts_c + [pending_part]
    assert_not_on_disk(server.data_dir, texts)
    # Control: the same check finds an unencrypted upload, so it can fail.
    control = os.urandom(300_000)
    s3.put_object(Bucket=bucket, Key="control", Body=control)
    with pytest.raises(AssertionError):
        assert_not_on_disk(server.data_dir, [control])
    s3.delete_object(Bucket=bucket, Key="control")
    key_file = os.path.join(server.data_dir, ".mss", "sse-master.key")
    info = os.stat(key_file)
    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_size == 32
    # The customer's key is nowhere on disk, in any encoding.
    for path in data_files(server.data_dir):
        with open(path, "rb") as handle:
            content = handle.read()
        assert KEY_A not in content and base64.b64encode(KEY_A) not in content
    document = open(data_file_of(server.data_dir, bucket, "one-c").rsplit(".", 1)[0] + ".json").read()
    assert '"formatVersion":3' in document and "SSE-C" in document
    server.stop()
    server.start()
    again = server.client()
    assert again.get_object(Bucket=bucket, Key="one-s3")["Body"].read() == plain["one-s3"]
    assert again.get_object(Bucket=bucket, Key="one-c", **sse_c())["Body"].read() == plain["one-c"]
    assert again.get_object(Bucket=bucket, Key="multi-s3")["Body"].read() == b"".join(parts_s3)
    assert again.get_object(Bucket=bucket, Key="multi-c", **sse_c())["Body"].read() == b"".join(parts_c)
    assert os.stat(key_file).st_mtime == info.st_mtime  # the key is read back, not made anew


def test_tampered_or_truncated_data_answers_500(server, s3, bucket):
    body = os.urandom(200_000)
    s3.put_object(Bucket=bucket, Key="t", Body=body, ServerSideEncryption="AES256")
    path = data_file_of(server.data_dir, bucket, "t")
    original = open(path, "rb").read()
    assert len(original) == len(body) + 4 * 16  # four sealed chunks of 64 KiB at most
    for offset in (10, 70_000, len(original) - 1):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        with open(path, "wb") as handle:
            handle.write(damaged)
        # A range in the damaged chunk: the first chunk read is checked before the answer.
        start = min(offset // (65536 + 16) * 65536, len(body) - 1)
        answer = requests.get(presigned(server, bucket, "t"), headers={"Range": f"bytes={start}-"})
        assert answer.status_code == 500 and b"InternalError" in answer.content, (offset, answer.status_code)
    for cut in (original[:-1], original[:-16], original + b"\0"):
        with open(path, "wb") as handle:
            handle.write(cut)
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            server.client().get_object(Bucket=bucket, Key="t")
        assert code_of(excinfo)[:2] == (500, "InternalError")
    with open(path, "wb") as handle:
        handle.write(original)
    assert s3.get_object(Bucket=bucket, Key="t")["Body"].read() == body
    assert "encrypted data cannot be opened" in server.log_tail(200)


def presigned(server, bucket, key):
    """A presigned GET, read with requests so that a 500 is seen as it is, without retries."""
    return server.client().generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)


def image_url(server, bucket, key):
    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{server.image_port}", aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60)


def test_image_service_renders_sse_s3_and_refuses_sse_c(server, s3, bucket):
    from rawhttp import jpeg_bytes

    picture = jpeg_bytes()
    s3.put_object(Bucket=bucket, Key="s3.jpg", Body=picture, ServerSideEncryption="AES256")
    answer = requests.get(image_url(server, bucket, "s3.jpg@10w"))
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg", answer.content[:300]
    s3.put_object(Bucket=bucket, Key="c.jpg", Body=picture, **sse_c())
    answer = requests.get(image_url(server, bucket, "c.jpg@10w"))
    assert answer.status_code == 400 and b"Server Side Encryption" in answer.content, answer.content
    # Nothing rendered from the encrypted source was cached on disk.
    assert not any("image-cache" in path and "tmp" not in path for path in data_files(server.data_dir) if os.path.getsize(path) > 0)
