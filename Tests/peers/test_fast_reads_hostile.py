"""Hostile input aimed at keys whose answers the fast read path holds, on the suite's shared
server: the presigned query it remembers and re-verifies (overflowing and negative expiries,
dates past any calendar, duplicated parameters and headers), the checksum-mode header it reads,
and PUTs that die or lie over a key whose answer is kept (write-through). Every such request gets
a 4xx, the kept answer stays the object's own, and the server keeps serving."""
import hashlib
import os

import rawhttp
from rawhttp import ACCESS_KEY, REGION


def read(path, query="", headers=()):
    target = f"{path}?{query}" if query else path
    return rawhttp.request("GET", target, list(headers))


def warm_presigned(path):
    """A valid presigned GET of `path`, read twice: the answer is kept, the URL remembered."""
    query = rawhttp.v4_presigned_query("GET", path)
    for _ in range(2):
        answer = read(path, query)
        assert answer.status == 200
    return query, answer.body


def assert_refused(answer, what):
    assert answer is not None and 400 <= answer.status < 500, (what, answer and answer.status, answer and answer.body[:300])


def test_hostile_presigned_queries_on_a_kept_key_are_refused(s3v4, bucket):
    body = os.urandom(4096)
    s3v4.put_object(Bucket=bucket, Key="private", Body=body)
    path = f"/{bucket}/private"
    good, kept = warm_presigned(path)
    assert kept == body
    now = rawhttp.amz_now()
    credential = f"{ACCESS_KEY}/{now[:8]}/{REGION}/s3/aws4_request"
    signed = {
        "expiry past Int64": dict(expires="99999999999999999999999"),
        "negative expiry": dict(expires="-1"),
        "zero expiry": dict(expires="0"),
        "expiry over a week": dict(expires="604801"),
        "date in year 9999": dict(amz_date="99991231T235959Z"),
        "date in year 1": dict(amz_date="00010101T000000Z"),
        "date with digits past any field": dict(amz_date="20261399T996199Z"),
    }
    for what, options in signed.items():
        assert_refused(read(path, rawhttp.v4_presigned_query("GET", path, **options)), what)
    # Parameters given twice, or cut off: the remembered URL must not stand in for them.
    assert_refused(read(path, good + f"&X-Amz-Date={now}"), "X-Amz-Date twice")
    # The signature twice: whatever the full path (taken by an extra header) answers, the fast
    # path answers the same; a forged one in front is never accepted.
    doubled = good + "&X-Amz-Signature=" + "0" * 64
    assert read(path, doubled).status == read(path, doubled, [("X-Full-Path", "1")]).status
    assert_refused(read(path, "X-Amz-Signature=" + "0" * 64 + "&" + good), "forged signature first")
    assert_refused(read(path, good + f"&X-Amz-Credential={credential}"), "credential twice")
    assert_refused(read(path, good.rsplit("&", 1)[0]), "signature cut off")
    assert_refused(read(path, good[:-1]), "signature one digit short")
    # SigV2 with an Expires no clock reaches, or before 1970.
    for expires in ["999999999999999999999999999", "-5", "1e30", ""]:
        signature = rawhttp.quote(rawhttp.v2_query_signature("GET", path, expires))
        answer = read(path, f"AWSAccessKeyId={ACCESS_KEY}&Expires={expires}&Signature={signature}")
        assert_refused(answer, f"v2 Expires={expires!r}")
    # Headers the signature does not cover, or the checksum mode twice or malformed.
    for headers in ([("x-amz-checksum-mode", "ENABLED")], [("X-Amz-Date", "99991231T235959Z")],
                    [("x-amz-checksum-mode", "ENABLED"), ("x-amz-checksum-mode", "ENABLED")]):
        assert_refused(read(path, good, headers), headers)
    assert read(path, good, [("x-amz-checksum-mode", "x" * 8000)]).status in (400, 403, 431)
    # A header signature with a date no calendar has.
    for date in ["99991231T235959Z", "Tue, 99 Dec 99999 99:99:99 GMT", "2" * 5000]:
        headers = rawhttp.v4_headers("GET", path)
        headers["x-amz-date"] = date
        assert_refused(read(path, headers=list(headers.items())), f"x-amz-date {date[:20]}")
    # The kept answer is still the object's own, and still given.
    answer = read(path, good)
    assert (answer.status, answer.body) == (200, body)


def test_puts_that_die_or_lie_leave_the_kept_answer_alone(s3v4, bucket):
    body = os.urandom(4096)
    s3v4.put_object(Bucket=bucket, Key="public", Body=body, ACL="public-read")
    path = f"/{bucket}/public"
    assert read(path).body == body  # kept as written, and read
    put = rawhttp.v4_presigned_query("PUT", path)
    truncated = rawhttp.build("PUT", f"{path}?{put}", [("Content-Length", "4096")], host_header=f"{rawhttp.HOST}:{rawhttp.PORT}")
    cut = rawhttp.exchange(truncated + b"y" * 100, method="PUT", shutdown_write=True)
    assert cut is None or 400 <= cut.status < 500, cut and cut.status
    lies = [
        ("Content-Length past Int64", [("Content-Length", "99999999999999999999999")], b"z" * 10),
        ("Content-MD5 of other bytes", [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], b"z" * 10),
        ("x-amz-checksum-crc32 of other bytes", [("x-amz-checksum-crc32", "AAAAAA==")], b"z" * 10),
        ("Content-Length twice, disagreeing", [("Content-Length", "10"), ("Content-Length", "11")], b"z" * 11),
    ]
    for what, headers, payload in lies:
        answer = rawhttp.exchange(
            rawhttp.build("PUT", f"{path}?{put}", headers, payload, host_header=f"{rawhttp.HOST}:{rawhttp.PORT}"), method="PUT")
        assert answer is None or 400 <= answer.status < 500, (what, answer.status, answer.body[:300])
    # Neither the fast path nor the full path (an extra header takes it) saw any of those bytes.
    for headers in ([], [("X-Full-Path", "1")]):
        answer = read(path, headers=headers)
        assert (answer.status, answer.body) == (200, body), headers
        assert answer.headers["etag"] == f'"{hashlib.md5(body).hexdigest()}"'
