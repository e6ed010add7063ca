"""The server's side of this session's faster SigV4 canonical requests and eight-bytes-a-step
CRCs, attacked over raw sockets: malformed percent-encoding, repeated and missing signed headers,
huge dates, wrong and truncated checksummed bodies. Every refusal is a 4xx with nothing stored,
every good request stores what was sent, and the server stays up."""
import base64
import email.utils
import hashlib
import zlib

from conftest import ACCESS_KEY, client
from rawhttp import EMPTY_SHA256, REGION, error_code, request, v2_authorization, v4_headers, v4_signature


def alive():
    return client().list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def crc32c(body):
    crc = 0xFFFFFFFF
    for byte in body:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return base64.b64encode((crc ^ 0xFFFFFFFF).to_bytes(4, "big")).decode()


def crc32(body):
    return base64.b64encode((zlib.crc32(body) & 0xFFFFFFFF).to_bytes(4, "big")).decode()


def signed_put(path, body, extra=None):
    payload = hashlib.sha256(body).hexdigest()
    return request("PUT", path, v4_headers("PUT", path, extra=extra, payload_hash=payload), body)


def test_paths_canonical_or_not_sign_the_same_way_as_the_client(bucket):
    # Already canonical (kept as is) and percent-encoded (decoded and encoded again) paths.
    for key, wire in [("plain-key_1.~", "plain-key_1.~"), ("a b", "a%20b"), ("x/y+z", "x/y%2Bz"), ("日", "%E6%97%A5")]:
        response = signed_put(f"/{bucket}/{wire}", b"stored")
        assert response.status == 200, (key, response.body)
        assert client().get_object(Bucket=bucket, Key=key)["Body"].read() == b"stored"
    # Malformed encodings: whatever the signer computed, the server refuses with a 4xx.
    for wire in ["%zz", "a%", "a%2", "%E6%97", "%%41"]:
        response = signed_put(f"/{bucket}/{wire}", b"refused")
        assert 400 <= response.status < 500, (wire, response.status)
    assert alive()


def test_repeated_signed_headers_are_one_line_and_missing_ones_refuse(bucket):
    path = f"/{bucket}/repeated"
    amz_date = v4_headers("PUT", path)["x-amz-date"]

    def send(signed_values, sent, names):
        headers = {"host": v4_headers("PUT", path)["host"], "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
        canonical = dict(headers, **signed_values)
        signature = v4_signature("PUT", path, [], canonical, names, EMPTY_SHA256, amz_date)
        authorization = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{amz_date[:8]}/{REGION}/s3/aws4_request, "
                         f"SignedHeaders={';'.join(names)}, Signature={signature}")
        return request("PUT", path, list(headers.items()) + sent + [("content-length", "0"), ("authorization", authorization)])

    names = ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-meta-a"]
    both = [("x-amz-meta-a", "1"), ("X-Amz-Meta-A", "2")]
    assert send({"x-amz-meta-a": "1,2"}, both, names).status == 200
    assert client().head_object(Bucket=bucket, Key="repeated")["Metadata"] == {"a": "1,2"}
    # Signing only the first value is a different request.
    first_only = send({"x-amz-meta-a": "1"}, both, names)
    assert first_only.status == 403 and error_code(first_only) == "SignatureDoesNotMatch"
    # A signed name the request does not carry.
    absent = send({"x-amz-meta-a": ""}, [], names)
    assert absent.status == 403
    assert alive()


def test_huge_and_malformed_dates_are_refused(bucket):
    path = f"/{bucket}/dated"
    for value in ["99999999T999999Z", "2026" + "9" * 60 + "T000000Z", "20261202T250000Z", "-20261202T000000Z", ""]:
        response = request("PUT", path, v4_headers("PUT", path, date_header=("x-amz-date", value) if value else ("x-amz-date", " ")), b"x")
        assert 400 <= response.status < 500, (value, response.status)
    assert alive()


def test_checksums_of_every_tail_length_match_and_wrong_ones_store_nothing(bucket):
    s3 = client()
    for length in list(range(0, 18)) + [63, 64, 65, 4095, 4099, 100_003]:
        body = bytes((index * 7 + length) & 0xFF for index in range(length))
        put = s3.put_object(Bucket=bucket, Key=f"sum-{length}", Body=body, ChecksumCRC32C=crc32c(body))
        assert put["ChecksumCRC32C"] == crc32c(body)
        put = s3.put_object(Bucket=bucket, Key=f"ieee-{length}", Body=body, ChecksumCRC32=crc32(body))
        assert put["ChecksumCRC32"] == crc32(body)
    body = b"checksummed body"
    wrong = signed_put(f"/{bucket}/wrong", body, extra={"x-amz-checksum-crc32c": crc32c(body + b"!")})
    assert wrong.status == 400 and error_code(wrong) == "BadDigest"
    overflowing = signed_put(f"/{bucket}/wrong", body, extra={"x-amz-checksum-crc32c": "A" * 10_000})
    assert 400 <= overflowing.status < 500
    # A body cut short of its Content-Length.
    path = f"/{bucket}/truncated"
    headers = v4_headers("PUT", path, extra={"x-amz-checksum-crc32c": crc32c(body)}, payload_hash="UNSIGNED-PAYLOAD")
    headers["content-length"] = str(len(body) + 100)
    cut = request("PUT", path, headers, body, shutdown_write=True)
    assert cut is None or 400 <= cut.status < 500
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "wrong" not in keys and "truncated" not in keys
    assert alive()


def v2_put(path, body, headers):
    """A SigV2-signed PUT of `body` with `headers`, (name, value) pairs sent as given, names in any
    case and repeated as wanted; signed as S3 signs them (names lower-cased, repeated values
    joined with a comma)."""
    date_value = email.utils.formatdate(usegmt=True)

    def joined(name):
        return ",".join(value for key, value in headers if key.lower() == name)

    amz = {key.lower(): joined(key.lower()) for key, _ in headers if key.lower().startswith("x-amz-")}
    authorization = v2_authorization("PUT", path, amz, date_value, joined("content-md5"), joined("content-type"))
    return request("PUT", path, headers + [("Date", date_value), ("Authorization", authorization)], body)


def test_header_names_match_in_any_case_and_repeats_or_near_names_do_not_pass_as_one(bucket):
    """The server looks headers up by comparing names' ASCII letters without regard to case,
    without lower-casing them first: every case of a name is that header, a repeated header is
    all of its values, and a longer name is another header."""
    body = b"mixed case"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    response = v2_put(f"/{bucket}/cased", body, [
        ("CONTENT-TYPE", "text/x-cased"), ("Content-Md5", md5), ("X-AMZ-META-Colour", "blue"),
        ("x-AMZ-checksum-CRC32C", crc32c(body))])
    assert response.status == 200, response.body
    stored = client().head_object(Bucket=bucket, Key="cased", ChecksumMode="ENABLED")
    assert stored["ContentType"] == "text/x-cased" and stored["Metadata"] == {"colour": "blue"}
    assert stored["ChecksumCRC32C"] == crc32c(body)

    # The right Content-MD5 and a wrong one: both are the header, which is then no digest at all.
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    for headers in ([("Content-MD5", md5), ("content-md5", wrong)], [("content-md5", wrong), ("CONTENT-MD5", md5)]):
        response = v2_put(f"/{bucket}/twice-md5", body, headers)
        assert response.status == 400 and error_code(response) == "InvalidDigest", (headers, response.status, response.body)
    # Two checksums of one algorithm, the right one among them: refused, nothing stored.
    response = v2_put(f"/{bucket}/twice-crc", body, [("x-amz-checksum-crc32c", crc32c(body)), ("X-Amz-Checksum-Crc32c", crc32c(b"x"))])
    assert 400 <= response.status < 500, (response.status, response.body)
    # A name that only begins like Content-MD5 is not it: a garbage value there refuses nothing.
    response = v2_put(f"/{bucket}/near-name", body, [("Content-MD5x", "garbage"), ("Content-MD", "garbage")])
    assert response.status == 200, response.body
    for key in ("twice-md5", "twice-crc"):
        assert "Contents" not in client().list_objects_v2(Bucket=bucket, Prefix=key)
    assert client().get_object(Bucket=bucket, Key="near-name")["Body"].read() == body
    assert alive()
