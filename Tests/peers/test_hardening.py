"""The reproductions of the hardening issue, as regression tests: each sends the hostile request to
mss-server, checks the answer is what S3 gives (a 4xx S3 error with AWS's code where it has one, or
the documented success), and that the server is still up afterwards on both ports.

- dates with huge or zero years in X-Amz-Date / Date (SigV4 and SigV2 header auth, presigned) and
  in conditional headers (S3 port and image port);
- Range / x-amz-copy-source-range with offsets at and beyond Int64;
- signatures covering less than the request: a presigned PUT turned into a CopyObject of a private
  object by unsigned x-amz-* headers, unsigned x-amz-* headers under header auth, presigned URLs
  that do not sign `host`, X-Amz-Content-Sha256 in a presigned query against another body;
- aws-chunked trailers without bounds (10,000 lines, one 1 MiB line) and the trailer signature of
  STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER;
- huge numbers in max-keys, partNumber, X-Amz-Expires, Expires, Content-Length,
  x-amz-decoded-content-length and aws-chunked chunk sizes.
"""
import base64
import hashlib
import os
import uuid
import zlib

import pytest
from botocore.exceptions import ClientError

import rawhttp
import store_layout
from conftest import ACCESS_KEY, DATA_DIR, ENDPOINT, SECRET_KEY, client, empty_and_delete
from rawhttp import EMPTY_SHA256, error_code, error_message, request

SERVER_PID = os.environ.get("MSS_SERVER_PID", "")
HUGE = "99999999999999999999"
PUBLIC_TEXT = bytes(range(100))


@pytest.fixture(scope="module")
def target():
    """A bucket with a public-read text object, a public-read JPEG and a private object."""
    assert rawhttp.IMAGE_ENDPOINT, "MSS_SERVER_IMAGE_ENDPOINT is not set"
    s3 = client()
    name = f"hard-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="pub.txt", Body=PUBLIC_TEXT, ACL="public-read")
    s3.put_object(Bucket=name, Key="pub.jpg", Body=rawhttp.jpeg_bytes(), ACL="public-read", ContentType="image/jpeg")
    s3.put_object(Bucket=name, Key="secret", Body=b"the private bytes")
    yield name
    empty_and_delete(s3, name)


def server_process_alive():
    if not SERVER_PID:
        return True
    try:
        with open(f"/proc/{int(SERVER_PID)}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


def assert_alive(bucket):
    """A signed request succeeds on the S3 port and on the image port."""
    assert server_process_alive(), f"mss-server (pid {SERVER_PID}) is gone"
    assert client().list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    answer = rawhttp.image_client().get_object(Bucket=bucket, Key="pub.jpg@30r")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["Body"].read()[:2] == b"\xff\xd8"


def assert_s3_error(response, statuses, codes=None, context=""):
    assert response is not None, f"{context}: the connection closed without an answer"
    assert response.status in statuses, f"{context}: {response.status} {response.body[:400]!r}"
    code = error_code(response)
    assert code, f"{context}: no S3 error document: {response.body[:400]!r}"
    if codes:
        assert code in codes, f"{context}: code {code}, wanted one of {codes}: {response.body[:400]!r}"
    return code


def object_exists(bucket, key):
    try:
        client().head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404, error.response
        return False


# MARK: dates

HUGE_RFC1123 = "Tue, 27 Mar 99999999999 19:36:42 GMT"
ODD_DATES = [
    "99999999T000000Z",
    "00000101T000000Z",
    "00000000T000000Z",
    "99991231T235959Z",
    "999999999990101T000000Z",
    HUGE_RFC1123,
    "Tue, 27 Mar 0000 19:36:42 GMT",
    "Tue, 27 Mar -9223372036854775808 19:36:42 GMT",
    "Tue, 99999999999 Mar 2020 19:36:42 GMT",
    "Tue, 27 Mar 2020 99999999999:36:42 GMT",
]
AUTH_DATE_CODES = {"AccessDenied", "RequestTimeTooSkewed", "AuthorizationHeaderMalformed"}


@pytest.mark.parametrize("value", ODD_DATES)
@pytest.mark.parametrize("header", ["x-amz-date", "date"])
def test_sigv4_header_auth_with_odd_dates(target, header, value):
    day = value[:8] if value[:8].isdigit() else rawhttp.amz_now()[:8]
    path = f"/{target}/secret"
    headers = rawhttp.v4_headers("GET", path, date_header=(header, value), day=day)
    response = request("GET", path, headers)
    assert_s3_error(response, {400, 403}, AUTH_DATE_CODES, f"SigV4 {header}: {value}")
    assert_alive(target)


@pytest.mark.parametrize("value", ODD_DATES)
@pytest.mark.parametrize("header", ["date", "x-amz-date"])
def test_sigv2_header_auth_with_odd_dates(target, header, value):
    resource = f"/{target}/secret"
    headers = {header: value}
    date_line = value if header == "date" else ""
    headers["authorization"] = rawhttp.v2_authorization("GET", resource, headers, date_line)
    response = request("GET", resource, headers)
    assert_s3_error(response, {400, 403}, {"AccessDenied", "RequestTimeTooSkewed"}, f"SigV2 {header}: {value}")
    assert_alive(target)


@pytest.mark.parametrize("value", ["99999999T000000Z", "00000101T000000Z", "999999999990101T000000Z", HUGE_RFC1123])
def test_presigned_v4_with_odd_dates(target, value):
    path = f"/{target}/secret"
    query = rawhttp.v4_presigned_query("GET", path, amz_date=value)
    response = request("GET", f"{path}?{query}")
    assert_s3_error(response, {400, 403}, {"AccessDenied", "AuthorizationQueryParametersError", "InvalidArgument",
                                           "RequestTimeTooSkewed", "AuthorizationHeaderMalformed"}, value)
    assert_alive(target)


CONDITIONAL_DATES = [HUGE_RFC1123, "Tue, 27 Mar 0000 19:36:42 GMT", "Thu, 01 Jan 99999 00:00:00 GMT",
                     "Tue, 27 Mar -1 19:36:42 GMT", "99999999T000000Z"]


def assert_ignored_or_refused(response, expected_body, context):
    """S3 ignores a conditional header whose date it cannot read (200 with the object); a 4xx S3
    error is acceptable too. Never a 5xx, never a closed connection."""
    assert response is not None, f"{context}: the connection closed without an answer"
    if response.status == 200:
        if expected_body is not None:
            assert response.body == expected_body, context
        return
    assert_s3_error(response, range(400, 500), None, context)


@pytest.mark.parametrize("value", CONDITIONAL_DATES)
@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since"])
def test_conditional_dates_on_a_public_object(target, header, value):
    response = request("GET", f"/{target}/pub.txt", {header: value})
    assert_ignored_or_refused(response, PUBLIC_TEXT, f"{header}: {value}")
    head = request("HEAD", f"/{target}/pub.txt", {header: value})
    assert head is not None and (head.status == 200 or 400 <= head.status < 500), f"HEAD {header}: {value}"
    assert_alive(target)


@pytest.mark.parametrize("value", CONDITIONAL_DATES)
@pytest.mark.parametrize("header", ["If-Modified-Since", "If-Unmodified-Since"])
def test_conditional_dates_on_the_image_port(target, header, value):
    response = request("GET", f"/{target}/pub.jpg@30r", {header: value}, port=rawhttp.IMAGE_PORT)
    assert_ignored_or_refused(response, None, f"image {header}: {value}")
    if response.status == 200:
        assert response.body[:2] == b"\xff\xd8"
    assert_alive(target)


@pytest.mark.parametrize("header", ["x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since"])
def test_copy_source_conditions_with_a_huge_year(target, header):
    s3 = client()
    s3.meta.events.register("before-sign.s3.CopyObject", lambda request, **_: request.headers.__setitem__(header, HUGE_RFC1123))
    try:
        s3.copy_object(Bucket=target, Key="copied", CopySource={"Bucket": target, "Key": "pub.txt"})
        assert client().get_object(Bucket=target, Key="copied")["Body"].read() == PUBLIC_TEXT
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500, error.response
    assert_alive(target)


# MARK: ranges

RANGES = [
    "bytes=0-9223372036854775807",
    "bytes=9223372036854775807-",
    "bytes=-9223372036854775808",
    "bytes=-9223372036854775807",
    f"bytes={HUGE}-",
    f"bytes=0-{HUGE}",
    f"bytes=-{HUGE}",
    "bytes=9223372036854775806-9223372036854775807",
    "bytes=18446744073709551615-18446744073709551615",
    "bytes=50-9223372036854775807",
    "bytes=99-9223372036854775807",
    "bytes=100-9223372036854775807",
    "bytes=0-1,9223372036854775807-",
    "bytes=-0",
    "bytes=--1",
    "bytes=1-0",
]


def check_range_answer(response, range_value):
    """What S3 answers a Range: the whole object (200), the satisfiable part (206 with the right
    Content-Range and bytes), or 416 InvalidRange."""
    assert response is not None, f"{range_value}: the connection closed without an answer"
    assert response.status in (200, 206, 416), f"{range_value}: {response.status} {response.body[:300]!r}"
    if response.status == 200:
        assert response.body == PUBLIC_TEXT, range_value
    elif response.status == 206:
        content_range = response.headers.get("content-range", "")
        assert content_range.startswith("bytes ") and content_range.endswith(f"/{len(PUBLIC_TEXT)}"), content_range
        first, last = (int(n) for n in content_range[6:].split("/")[0].split("-"))
        assert 0 <= first <= last < len(PUBLIC_TEXT), content_range
        assert response.body == PUBLIC_TEXT[first:last + 1], range_value
    else:
        assert error_code(response) == "InvalidRange", response.body[:300]


@pytest.mark.parametrize("range_value", RANGES)
def test_huge_ranges_on_a_public_object(target, range_value):
    response = request("GET", f"/{target}/pub.txt", {"Range": range_value})
    check_range_answer(response, range_value)
    if range_value in ("bytes=0-9223372036854775807", f"bytes=0-{HUGE}", "bytes=-9223372036854775808"):
        # The whole object is within these ranges: S3 sends it (206 for 0-..., as asked).
        assert response.status in (200, 206) and response.body == PUBLIC_TEXT, response.status
    if range_value in ("bytes=9223372036854775807-", "bytes=9223372036854775806-9223372036854775807", "bytes=100-9223372036854775807"):
        assert response.status == 416, response.status
    head = request("HEAD", f"/{target}/pub.txt", {"Range": range_value})
    assert head is not None and head.status in (200, 206, 416), range_value
    assert_alive(target)


@pytest.mark.parametrize("range_value", ["bytes=0-9223372036854775807", "bytes=9223372036854775807-9223372036854775807",
                                         f"bytes=0-{HUGE}", "bytes=-9223372036854775808", "bytes=9223372036854775807-",
                                         "bytes=50-9223372036854775807"])
def test_huge_copy_source_ranges(target, range_value):
    s3 = client()
    upload = s3.create_multipart_upload(Bucket=target, Key="part-copy")
    try:
        with pytest.raises(ClientError) as refused:
            s3.upload_part_copy(Bucket=target, Key="part-copy", UploadId=upload["UploadId"], PartNumber=1,
                                CopySource={"Bucket": target, "Key": "pub.txt"}, CopySourceRange=range_value)
        status = refused.value.response["ResponseMetadata"]["HTTPStatusCode"]
        assert status in (400, 416), refused.value.response
        assert refused.value.response["Error"]["Code"] in ("InvalidArgument", "InvalidRange"), refused.value.response
    finally:
        s3.abort_multipart_upload(Bucket=target, Key="part-copy", UploadId=upload["UploadId"])
    assert_alive(target)


# MARK: signatures cover exactly what they sign


@pytest.fixture
def two_buckets(target):
    s3 = client()
    private, attacker = f"private-{uuid.uuid4().hex[:16]}", f"attacker-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=private)
    s3.create_bucket(Bucket=attacker)
    s3.put_object(Bucket=private, Key="secret", Body=b"top secret bytes")
    yield private, attacker
    empty_and_delete(s3, private)
    empty_and_delete(s3, attacker)


def assert_not_signed_refusal(response, context):
    assert_s3_error(response, {403}, {"AccessDenied"}, context)
    message = error_message(response).lower()
    assert "not signed" in message or "signed" in message, f"{context}: {error_message(response)}"


def anonymous_get(bucket, key):
    return request("GET", f"/{bucket}/{key}")


@pytest.mark.parametrize("extra", [
    {"x-amz-copy-source": "/PRIVATE/secret", "x-amz-acl": "public-read"},
    {"x-amz-copy-source": "/PRIVATE/secret"},
    {"x-amz-acl": "public-read"},
], ids=["copy-source-and-acl", "copy-source", "acl"])
def test_presigned_put_cannot_become_a_copy_of_a_private_object(two_buckets, extra):
    private, attacker = two_buckets
    url = client().generate_presigned_url("put_object", Params={"Bucket": attacker, "Key": "x"}, ExpiresIn=300)
    assert "X-Amz-SignedHeaders=host" in url
    target_path = url[len(ENDPOINT):]
    headers = {name: value.replace("PRIVATE", private) for name, value in extra.items()}
    response = request("PUT", target_path, headers, b"")
    assert_not_signed_refusal(response, f"presigned PUT with {sorted(extra)}")
    assert not object_exists(attacker, "x"), "the refused PUT stored an object"
    exposed = anonymous_get(attacker, "x")
    assert exposed is not None and exposed.status in (403, 404) and b"top secret" not in exposed.body
    # The URL itself still works for what it signed.
    honest = request("PUT", target_path, {}, b"honest upload")
    assert honest is not None and honest.status == 200, honest and honest.body
    assert client().get_object(Bucket=attacker, Key="x")["Body"].read() == b"honest upload"
    assert_alive_plain()


def assert_alive_plain():
    assert server_process_alive()
    assert client().list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("name,value", [("x-amz-acl", "public-read"), ("x-amz-meta-note", "added later"),
                                        ("x-amz-copy-source", "/PRIVATE/secret")])
def test_header_auth_refuses_unsigned_amz_headers(two_buckets, name, value):
    private, attacker = two_buckets
    body = b"signed body"
    path = f"/{attacker}/y"
    payload = hashlib.sha256(body).hexdigest()
    headers = rawhttp.v4_headers("PUT", path, payload_hash=payload, extra={name: value.replace("PRIVATE", private)},
                                 sign=["host", "x-amz-content-sha256", "x-amz-date"])
    response = request("PUT", path, headers, body)
    assert_not_signed_refusal(response, f"unsigned {name}")
    assert not object_exists(attacker, "y")
    # Control: the same request with the header signed is accepted, so the refusal above is about
    # the unsigned header and not about the hand-made signature.
    if name != "x-amz-copy-source":
        signed = rawhttp.v4_headers("PUT", path, payload_hash=payload, extra={name: value})
        accepted = request("PUT", path, signed, body)
        assert accepted is not None and accepted.status == 200, accepted and accepted.body
    assert_alive_plain()


@pytest.mark.parametrize("signed_names,extra", [((), {}), (("range",), {"range": "bytes=0-3"}),
                                                (("x-amz-date",), {"x-amz-date": "20200101T000000Z"})],
                         ids=["none", "range-only", "x-amz-date-only"])
def test_presigned_v4_must_sign_host(target, signed_names, extra):
    path = f"/{target}/secret"
    query = rawhttp.v4_presigned_query("GET", path, signed_names=signed_names, headers=extra)
    response = request("GET", f"{path}?{query}", extra)
    assert_s3_error(response, {400, 403}, {"AccessDenied", "AuthorizationQueryParametersError", "SignatureDoesNotMatch",
                                           "InvalidArgument", "AuthorizationHeaderMalformed"}, f"SignedHeaders={';'.join(signed_names)}")
    assert b"the private bytes" not in response.body
    # Control: signed with host, the same hand-made URL reads the object.
    good = rawhttp.v4_presigned_query("GET", path)
    answer = request("GET", f"{path}?{good}")
    assert answer is not None and answer.status == 200 and answer.body == b"the private bytes", answer and answer.body
    assert_alive(target)


def test_presigned_v4_content_sha256_in_the_query_covers_the_body(target):
    path = f"/{target}/presigned-sha"
    body_a, body_b = b"the body that was signed", b"a body that was not signed"
    digest = hashlib.sha256(body_a).hexdigest()
    query = rawhttp.v4_presigned_query("PUT", path, extra_query=[("X-Amz-Content-Sha256", digest)], payload_hash=digest)
    wrong = request("PUT", f"{path}?{query}", {}, body_b)
    assert_s3_error(wrong, {400, 403}, {"XAmzContentSHA256Mismatch", "SignatureDoesNotMatch", "AccessDenied",
                                        "BadDigest"}, "body B under the hash of A")
    assert not object_exists(target, "presigned-sha")
    right = request("PUT", f"{path}?{query}", {}, body_a)
    assert right is not None and right.status == 200, right and right.body
    assert client().get_object(Bucket=target, Key="presigned-sha")["Body"].read() == body_a
    assert_alive(target)


# MARK: aws-chunked trailers


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def chunked_put(bucket, key, data, trailer_lines, signed, trailer_signature="good", declared=None, raw_trailer=None):
    """PUTs `data` as aws-chunked with a checksum trailer, unsigned
    (STREAMING-UNSIGNED-PAYLOAD-TRAILER) or signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
    `trailer_lines` are (name, value) pairs sent after the final chunk; `raw_trailer` replaces
    them with raw bytes."""
    path = f"/{bucket}/{key}"
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" if signed else "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": declared or str(len(data)),
             "x-amz-trailer": "x-amz-checksum-crc32"}
    if not signed:
        extra["x-amz-sdk-checksum-algorithm"] = "CRC32"
    amz_date = rawhttp.amz_now()
    headers = rawhttp.v4_headers("PUT", path, payload_hash=mode, extra=extra, amz_date=amz_date)
    pieces = [data[i:i + 65536] for i in range(0, len(data), 65536)] + [b""]
    body = bytearray()
    if signed:
        signatures = rawhttp.chunk_signatures(pieces, rawhttp.seed_of(headers), amz_date)
        for piece, signature in zip(pieces, signatures):
            body += f"{len(piece):x};chunk-signature={signature}\r\n".encode() + piece
            body += b"\r\n" if piece else b""
    else:
        for piece in pieces:
            body += f"{len(piece):x}\r\n".encode() + piece + (b"\r\n" if piece else b"")
    if raw_trailer is not None:
        body += raw_trailer
    else:
        for name, value in trailer_lines:
            body += f"{name}:{value}\r\n".encode()
        if signed:
            signature = rawhttp.trailer_signature(trailer_lines, signatures[-1], amz_date)
            if trailer_signature == "wrong":
                signature = signature[::-1]
            if trailer_signature is not None:
                body += f"x-amz-trailer-signature:{signature}\r\n".encode()
        body += b"\r\n"
    headers["content-length"] = str(len(body))
    return request("PUT", path, headers, bytes(body), timeout=60)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_correct_trailer_is_accepted(target, signed):
    data = os.urandom(150_000)
    response = chunked_put(target, f"trailer-ok-{signed}", data, [("x-amz-checksum-crc32", crc32_b64(data))], signed)
    assert response is not None and response.status == 200, response and response.body
    stored = client().get_object(Bucket=target, Key=f"trailer-ok-{signed}", ChecksumMode="ENABLED")
    assert stored["Body"].read() == data
    assert stored.get("ChecksumCRC32") == crc32_b64(data)
    assert_alive(target)


@pytest.mark.parametrize("how", ["wrong", "missing"])
def test_signed_trailer_signature_is_verified(target, how):
    data = os.urandom(100_000)
    response = chunked_put(target, f"trailer-sig-{how}", data, [("x-amz-checksum-crc32", crc32_b64(data))], True,
                           trailer_signature="wrong" if how == "wrong" else None)
    assert_s3_error(response, {400, 403}, {"SignatureDoesNotMatch"} if how == "wrong" else None, f"trailer signature {how}")
    if how == "wrong":
        assert response.status == 403
    assert not object_exists(target, f"trailer-sig-{how}")
    assert_alive(target)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("shape", ["10000-lines", "1MiB-line", "1MiB-checksum-value", "endless-line"])
def test_unbounded_trailers_are_refused(target, signed, shape):
    data = os.urandom(10_000)
    checksum = ("x-amz-checksum-crc32", crc32_b64(data))
    key = f"trailer-{shape}-{signed}"
    if shape == "10000-lines":
        lines = [(f"x-amz-meta-t{i}", "v") for i in range(10_000)] + [checksum]
        response = chunked_put(target, key, data, lines, signed)
    elif shape == "1MiB-line":
        response = chunked_put(target, key, data, [("x-amz-meta-big", "b" * (1 << 20)), checksum], signed)
    elif shape == "1MiB-checksum-value":
        response = chunked_put(target, key, data, [("x-amz-checksum-crc32", "A" * (1 << 20))], signed)
    else:
        response = chunked_put(target, key, data, [], signed, raw_trailer=b"x-amz-checksum-crc32:" + b"A" * (2 << 20))
    assert_s3_error(response, {400, 403}, None, shape)
    assert not object_exists(target, key)
    assert_alive(target)


# MARK: huge numbers


@pytest.mark.parametrize("query", [f"max-keys={HUGE}", f"list-type=2&max-keys={HUGE}", "max-keys=-1",
                                   "max-keys=9223372036854775808", f"uploads&max-uploads={HUGE}"])
def test_huge_listing_limits(target, query):
    path = f"/{target}/"
    items = [tuple((part.split("=", 1) + [""])[:2]) for part in query.split("&")]
    headers = rawhttp.v4_headers("GET", path, items)
    response = request("GET", f"{path}?{query}", headers)
    assert_s3_error(response, {400}, {"InvalidArgument"}, query)
    assert_alive(target)


@pytest.mark.parametrize("parameter", [f"max-parts={HUGE}", f"part-number-marker={HUGE}", "max-parts=-5"])
def test_huge_list_parts_limits(target, parameter):
    s3 = client()
    upload = s3.create_multipart_upload(Bucket=target, Key="listed-parts")["UploadId"]
    try:
        path = f"/{target}/listed-parts"
        name, value = parameter.split("=")
        items = [("uploadId", upload), (name, value)]
        response = request("GET", f"{path}?{rawhttp.canonical_query(items)}", rawhttp.v4_headers("GET", path, items))
        assert_s3_error(response, {400}, {"InvalidArgument"}, parameter)
    finally:
        s3.abort_multipart_upload(Bucket=target, Key="listed-parts", UploadId=upload)
    assert_alive(target)


@pytest.mark.parametrize("number", [HUGE, "9223372036854775808", "-9223372036854775809", "0", "10001"])
def test_huge_part_numbers(target, number):
    s3 = client()
    upload = s3.create_multipart_upload(Bucket=target, Key="numbered")["UploadId"]
    try:
        path = f"/{target}/numbered"
        items = [("partNumber", number), ("uploadId", upload)]
        body = b"part"
        headers = rawhttp.v4_headers("PUT", path, items, payload_hash=hashlib.sha256(body).hexdigest())
        response = request("PUT", f"{path}?{rawhttp.canonical_query(items)}", headers, body)
        assert_s3_error(response, {400}, {"InvalidArgument"}, f"UploadPart partNumber={number}")
        copy_headers = rawhttp.v4_headers("PUT", path, items, extra={"x-amz-copy-source": f"/{target}/pub.txt"})
        response = request("PUT", f"{path}?{rawhttp.canonical_query(items)}", copy_headers)
        assert_s3_error(response, {400}, {"InvalidArgument"}, f"UploadPartCopy partNumber={number}")
    finally:
        s3.abort_multipart_upload(Bucket=target, Key="numbered", UploadId=upload)
    # GetObject with partNumber: S3 refuses a number outside 1...10000 (400 InvalidArgument); a
    # server that does not implement partNumber on GET and ignores it (200, the whole object) is
    # safe too. Never a crash, never other bytes.
    items = [("partNumber", number)]
    response = request("GET", f"/{target}/pub.txt?partNumber={number}", rawhttp.v4_headers("GET", f"/{target}/pub.txt", items))
    if response is not None and response.status == 200:
        assert response.body == PUBLIC_TEXT
    else:
        assert_s3_error(response, {400, 416}, {"InvalidArgument", "InvalidPartNumber", "InvalidRange"}, f"GET partNumber={number}")
    assert_alive(target)


@pytest.mark.parametrize("expires", [HUGE, "9223372036854775807", "-1", "604801", "1e300"])
def test_huge_presigned_v4_expiry(target, expires):
    path = f"/{target}/secret"
    query = rawhttp.v4_presigned_query("GET", path, expires=expires)
    response = request("GET", f"{path}?{query}")
    assert_s3_error(response, {400, 403}, {"AuthorizationQueryParametersError", "InvalidArgument", "AccessDenied"}, expires)
    assert b"the private bytes" not in response.body
    assert_alive(target)


@pytest.mark.parametrize("expires", [HUGE, "-99999999999999999999", "1e300", "0x7fffffff"])
def test_huge_presigned_v2_expiry(target, expires):
    resource = f"/{target}/secret"
    signature = rawhttp.v2_query_signature("GET", resource, expires)
    query = rawhttp.canonical_query([("AWSAccessKeyId", ACCESS_KEY), ("Expires", expires), ("Signature", signature)])
    response = request("GET", f"{resource}?{query}")
    assert_s3_error(response, {400, 403}, {"AccessDenied", "InvalidArgument"}, expires)
    assert b"the private bytes" not in response.body
    assert_alive(target)


@pytest.mark.parametrize("length", [HUGE, "18446744073709551616", "9223372036854775807", "-1", "1e9", "12, 12"])
def test_huge_content_length(target, length):
    path = f"/{target}/big-length"
    headers = rawhttp.v4_headers("PUT", path, payload_hash="UNSIGNED-PAYLOAD")
    headers["content-length"] = length
    # The body stops short of the declared length: the sender half-closes after 12 bytes.
    response = request("PUT", path, headers, b"0123456789ab", timeout=15, shutdown_write=True)
    # The HTTP layer may refuse the framing by closing the connection; an answer must be a 4xx.
    if response is not None:
        assert 400 <= response.status < 500, (length, response.status, response.body[:300])
    assert not object_exists(target, "big-length")
    assert_alive(target)


@pytest.mark.parametrize("declared", [HUGE, "9223372036854775807", "-1", "18446744073709551615"])
def test_huge_decoded_content_length(target, declared):
    data = b"d" * 1000
    response = chunked_put(target, "decoded-length", data, [("x-amz-checksum-crc32", crc32_b64(data))], True,
                           declared=declared)
    assert_s3_error(response, {400, 403, 411, 413}, None, f"x-amz-decoded-content-length: {declared}")
    assert not object_exists(target, "decoded-length")
    assert_alive(target)


@pytest.mark.parametrize("size", ["FFFFFFFFFFFFFFFFFF", "7FFFFFFFFFFFFFFF", "8000000000000000", "FFFFFFFFFFFFFFFF",
                                  "-1", "1" * 200])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_huge_chunk_sizes(target, size, signed):
    path = f"/{target}/chunk-size"
    data = b"c" * 100
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" if signed else "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    amz_date = rawhttp.amz_now()
    headers = rawhttp.v4_headers("PUT", path, payload_hash=mode, extra=extra, amz_date=amz_date)
    if signed:
        signature = rawhttp.chunk_signatures([data], rawhttp.seed_of(headers), amz_date)[0]
        body = f"{size};chunk-signature={signature}\r\n".encode() + data + b"\r\n0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    else:
        body = f"{size}\r\n".encode() + data + b"\r\n0\r\n\r\n"
    headers["content-length"] = str(len(body))
    response = request("PUT", path, headers, body, timeout=20)
    assert_s3_error(response, {400, 403, 411, 413}, None, f"chunk size {size}")
    assert not object_exists(target, "chunk-size")
    assert_alive(target)


# MARK: PUT bodies of up to 64 KiB, held in memory instead of a temporary file


def shard_files(bucket, key):
    """The files of `key` in its shard folder: its document and its versions' bytes."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    shard = os.path.join(DATA_DIR, "buckets", bucket, "objects", digest[:2])
    return sorted(name for name in os.listdir(shard) if name.startswith(digest)) if os.path.isdir(shard) else []


# Bodies up to this size are kept in their key's document (IncomingData.Source.inlineLimit).
INLINE_LIMIT = 8192


@pytest.mark.parametrize("size", [0, 1, INLINE_LIMIT, INLINE_LIMIT + 1, 65535, 65536, 65537])
@pytest.mark.parametrize("how", ["plain", "unsigned-chunks", "signed-chunks"])
def test_held_bodies_are_stored_whole_and_private(target, size, how):
    """Bodies on both sides of the 64 KiB line (held in memory below it, streamed to a file above
    it) are stored byte for byte, with the ETag of their bytes, in private files, and leave
    nothing in .mss/tmp. Bodies of up to 8 KiB are kept inline: their key's document, an entry of
    the bucket's document packs, holds them (base64 under inlineBytes), and the key has no file."""
    key = f"held-{how}-{size}"
    data = os.urandom(size)
    if how == "plain":
        headers = rawhttp.v4_headers("PUT", f"/{target}/{key}", payload_hash=hashlib.sha256(data).hexdigest())
        headers["content-length"] = str(size)
        response = request("PUT", f"/{target}/{key}", headers, data)
    else:
        response = chunked_put(target, key, data, [("x-amz-checksum-crc32", crc32_b64(data))], how == "signed-chunks")
    assert response is not None and response.status == 200, response and response.body
    assert response.headers.get("etag") == f'"{hashlib.md5(data).hexdigest()}"'
    stored = client().get_object(Bucket=target, Key=key)
    assert stored["Body"].read() == data
    if DATA_DIR:
        files = shard_files(target, key)
        inline = size <= INLINE_LIMIT
        assert len(files) == (0 if inline else 2), files
        digest = hashlib.sha256(key.encode()).hexdigest()
        shard = os.path.join(DATA_DIR, "buckets", target, "objects", digest[:2])
        for name in files:
            assert os.stat(os.path.join(shard, name)).st_mode & 0o077 == 0, name
        for pack in store_layout.pack_paths(DATA_DIR, target):
            assert os.stat(pack).st_mode & 0o077 == 0, pack
        document = store_layout.document(DATA_DIR, target, key)
        if inline:
            assert store_layout.latest_entry(DATA_DIR, target, key) is not None
            assert document.get("inline") is True
            assert base64.b64decode(document["inlineBytes"][document["version"]], validate=True) == data
        else:
            assert "inline" not in document and "inlineBytes" not in document
            data_file = next(name for name in files if not name.endswith(".json"))
            with open(os.path.join(shard, data_file), "rb") as file:
                assert file.read() == data


@pytest.mark.parametrize("declared", ["100", "4095", "4097", "65536"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_held_bodies_that_lie_about_their_length_change_nothing(target, declared, signed):
    """An aws-chunked body of 4,096 bytes whose x-amz-decoded-content-length says otherwise is
    refused with IncompleteBody (a body longer than it declared as soon as it is), and the key
    keeps its earlier object: bytes, ETag and files."""
    key = f"held-lying-{declared}-{signed}"
    original = b"the earlier object"
    client().put_object(Bucket=target, Key=key, Body=original)
    before = shard_files(target, key) if DATA_DIR else []
    data = os.urandom(4096)
    response = chunked_put(target, key, data, [("x-amz-checksum-crc32", crc32_b64(data))], signed, declared=declared)
    assert_s3_error(response, {400, 403}, {"IncompleteBody", "SignatureDoesNotMatch", "BadDigest"},
                    f"x-amz-decoded-content-length {declared} for 4,096 bytes")
    stored = client().get_object(Bucket=target, Key=key)
    assert stored["Body"].read() == original
    assert stored["ETag"] == f'"{hashlib.md5(original).hexdigest()}"'
    if DATA_DIR:
        assert shard_files(target, key) == before
    assert_alive(target)


def server_peak_rss_kib():
    """The most memory the server has held at once so far (VmHWM): what it held for a request
    shows there even after it was freed."""
    with open(f"/proc/{int(SERVER_PID)}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {SERVER_PID}")


@pytest.mark.skipif(not SERVER_PID, reason="needs the server's pid (MSS_SERVER_PID)")
def test_a_body_far_longer_than_it_declared_is_not_held(target):
    """An unsigned aws-chunked body that declares 100 bytes and brings 96 MiB is refused as soon
    as it passes 100 bytes, before the rest is read: the server's peak memory does not grow by
    what the body brought."""
    key = "held-flood"
    path = f"/{target}/{key}"
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": "100"}
    headers = rawhttp.v4_headers("PUT", path, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER", extra=extra)
    chunk = b"f" * (1 << 20)
    body = b"".join(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" for _ in range(96)) + b"0\r\n\r\n"
    headers["content-length"] = str(len(body))
    before = server_peak_rss_kib()
    response = request("PUT", path, headers, body, timeout=60)
    grown = server_peak_rss_kib() - before
    assert_s3_error(response, {400}, {"IncompleteBody"}, "100 bytes declared, 96 MiB sent")
    assert "longer than" in error_message(response), error_message(response)
    assert grown < 48 * 1024, f"peak RSS grew {grown} KiB"
    assert not object_exists(target, key)
    assert_alive(target)


def test_a_cut_held_body_leaves_no_file(target):
    """A 4 KiB PUT whose connection closes after 100 bytes stores nothing, and no file of it is
    left anywhere in the data directory."""
    key = "held-cut"
    path = f"/{target}/{key}"
    data = os.urandom(4096)
    headers = rawhttp.v4_headers("PUT", path, payload_hash=hashlib.sha256(data).hexdigest())
    headers["content-length"] = str(len(data))
    response = request("PUT", path, headers, data[:100], shutdown_write=True)
    assert response is None or response.status >= 400, response.body
    assert not object_exists(target, key)
    if DATA_DIR:
        assert shard_files(target, key) == []
    assert_alive(target)


# MARK: HTTP framing of request documents (found by the raw fuzz test)


@pytest.mark.parametrize("transfer_encoding,body", [
    ("chunked", b"-1\r\n\r\n"),
    ("chunked", b"zz\r\n"),
    ("chunked", b"FFFFFFFFFFFFFFFFFFFF\r\nx\r\n"),
    ("chunked", b"0\r\n" + b"T: v\r\n" * 5000 + b"\r\n"),
    ("1111", b"<Delete/>"),
], ids=["negative-size", "not-hex", "huge-size", "5000-trailers", "unknown-coding"])
@pytest.mark.parametrize("operation", ["DeleteObjects", "CompleteMultipartUpload"])
def test_broken_framing_of_a_request_document_is_a_4xx(target, operation, transfer_encoding, body):
    s3 = client()
    upload = None
    if operation == "DeleteObjects":
        path, items = f"/{target}/", [("delete", "")]
    else:
        upload = s3.create_multipart_upload(Bucket=target, Key="framed")["UploadId"]
        path, items = f"/{target}/framed", [("uploadId", upload)]
    try:
        headers = rawhttp.v4_headers("POST", path, items, payload_hash="UNSIGNED-PAYLOAD")
        headers["transfer-encoding"] = transfer_encoding
        response = request("POST", f"{path}?{rawhttp.canonical_query(items)}", headers, body, timeout=10)
        # A body the HTTP layer cannot frame may also end the connection; an answer is a 4xx.
        if response is not None:
            assert_s3_error(response, range(400, 500), None, f"{operation} with Transfer-Encoding {transfer_encoding!r}")
    finally:
        if upload:
            s3.abort_multipart_upload(Bucket=target, Key="framed", UploadId=upload)
    assert client().head_object(Bucket=target, Key="pub.txt")["ContentLength"] == len(PUBLIC_TEXT)
    assert_alive(target)
