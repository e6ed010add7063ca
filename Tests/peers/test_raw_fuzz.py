"""Raw-socket fuzzing of a running mss-server, on its S3 port and its image port.

Thousands of requests (MSS_FUZZ_REQUESTS, default 6,000) generated from a seeded RNG
(MSS_FUZZ_SEED, printed; set it to replay a run) and sent by a few threads within a time budget
(MSS_FUZZ_SECONDS, default 60): valid SigV2/SigV4 requests mutated in their method, request line,
path (percent-encoding, '..', NUL, very long), header names and values (huge numbers, odd-year
dates, Range, Authorization, X-Amz-Date, Content-Length, Transfer-Encoding, Expect, ...), bodies
(aws-chunked framing mutations), plain garbage, connections closed in the middle of a body; and,
for the whole run, half-open connections that sent part of a request and stay silent.

Afterwards the server process is alive, a signed PUT + GET works on the S3 port and a signed GET
works on the image port, and no answer was a 5xx other than 503 SlowDown (or 501 NotImplemented,
S3's answer to an operation it does not implement). The tally of answers by class is printed
(`pytest -s`).
"""
import collections
import concurrent.futures
import hashlib
import os
import random
import socket
import threading
import time
import uuid

import pytest

import rawhttp
from conftest import client, empty_and_delete
from rawhttp import HOST, IMAGE_PORT, PORT

SEED = int(os.environ.get("MSS_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
REQUESTS = int(os.environ.get("MSS_FUZZ_REQUESTS", "6000"))
SECONDS = float(os.environ.get("MSS_FUZZ_SECONDS", "60"))
WORKERS = 16
HALF_OPEN = 48
SERVER_PID = os.environ.get("MSS_SERVER_PID", "")

HUGE_NUMBERS = ["99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "18446744073709551615", "18446744073709551616", "-1", "0", "00000000000000000000001", "1e309",
                "0x10", "+5", " 5", "5 ", "4294967296", "2147483648", "NaN", "-0", "1" * 400]
ODD_DATES = ["Tue, 27 Mar 99999999999 19:36:42 GMT", "Tue, 27 Mar 0000 19:36:42 GMT", "99999999T000000Z",
             "00000101T000000Z", "00000000T000000Z", "20200230T250000Z", "Sun, 31 Feb 2021 24:60:61 GMT",
             "Tue, 27 Mar -1 19:36:42 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
             "2020-01-01T00:00:00.0000000000000000000000Z", "Tue, 27 Mar 2007 19:36:42", "", " ", "T", "Z" * 300,
             "Tue,  27  Mar  2007  19:36:42  GMT", "Mon, 01 Jan 10000 00:00:00 GMT"]
RANGES = ["bytes=0-9223372036854775807", "bytes=9223372036854775807-", "bytes=-9223372036854775808",
          "bytes=99999999999999999999-", "bytes=-", "bytes=", "bytes=5-1", "bytes=0-0,1-1,2-2", "bytes=--5",
          "bytes=-99999999999999999999", "bytes=1-2-3", "items=0-5", "bytes=0x10-0x20", "bytes=" + "0-1," * 2000,
          "bytes=18446744073709551615-18446744073709551615"]
PROCESSES = ["30r", "100w", "100w_100h_1e_1c", "99999999999w", "0w", "-1w", "100w_100h_1e_1c.png", "1x", "99999x",
             "50-50-10-10a", "1-1-99999999999-99999999999a", "80q", "999999999999999999999q", "4e", "1wh",
             "watermark=2&text=aGVsbG8", "watermark=2&text=" + "QUFB" * 300, "watermark=1&object=cHViLmpwZw",
             "watermark=1&object=Li4vLi4vZXRjL3Bhc3N3ZA", "watermark=3&text=aGk&object=cHViLmpwZw&p=99999999999",
             "100w.gif", "100w.webp", "100w.bmp", "", "@", "|", "30r|100w", "2o", "100sh", "999999999999999999999999999r"]
HEADERS_TO_MUTATE = ["X-Amz-Date", "Date", "Range", "Content-Length", "Authorization", "Transfer-Encoding", "Expect",
                     "x-amz-content-sha256", "x-amz-decoded-content-length", "If-Modified-Since",
                     "If-Unmodified-Since", "If-Match", "If-None-Match", "x-amz-copy-source",
                     "x-amz-copy-source-range", "Content-MD5", "x-amz-acl", "Content-Encoding", "Host",
                     "x-amz-trailer", "x-amz-checksum-crc32", "Connection", "Content-Type", "x-amz-meta-a"]
PATH_PIECES = ["..", "%2e%2e", "%2E%2e%2f", "%00", "\x00", "//", "/./", "%", "%zz", "%c0%af", "%ff%fe", "@", "@30r",
               "?", "?&&==&", "#frag", "~", "\u00e9".encode().decode("latin-1"), "%F0%9F%98%80", " ", "\t", "\\",
               "a" * 9000, "%2F" * 500, "?" + "a=b&" * 2000, "?uploads", "?uploadId=" + "9" * 30,
               "?partNumber=99999999999999999999&uploadId=x", "?max-keys=99999999999999999999", "?acl", "?delete",
               "?versioning", "?list-type=2&continuation-token=%%%"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "G ET", "",
           "\x00", "GET\x00", "PUTT", "M" * 5000, "\u00c9T\u00c9".encode().decode("latin-1")]
VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1.1 extra", "", "HTTP/1", "http/1.1", "HTTP/0.9",
            "HTTP/1.99999999999999999999"]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.classes = collections.Counter()
        self.kinds = collections.defaultdict(collections.Counter)
        self.statuses = collections.Counter()
        self.bad = []

    def record(self, kind, request_bytes, response, outcome):
        with self.lock:
            self.kinds[kind][outcome] += 1
            self.classes[outcome] += 1
            if response is not None:
                self.statuses[response.status] += 1
                if response.status >= 500 and response.status != 503 and not (
                        response.status == 501 and rawhttp.error_code(response) == "NotImplemented"):
                    self.bad.append((kind, response.status, request_bytes, response.body[:300]))


def send_and_classify(port, data, close_after=None, half_close=False, timeout=4):
    """Sends `data` (or only `close_after` bytes of it, then closes; or all of it, then shuts down
    the sending side) and returns (response, class)."""
    try:
        if close_after is not None:
            with socket.create_connection((HOST, port), timeout=timeout) as sock:
                sock.sendall(data[:close_after])
            return None, "closed-mid-body"
        response = rawhttp.exchange(data, port=port, timeout=timeout, method="", shutdown_write=half_close)
    except (ConnectionError, socket.timeout) as error:
        return None, f"connect-error:{type(error).__name__}"
    if response is None:
        return None, "no-answer"
    return response, f"{response.status // 100}xx"


class Generator:
    """Builds fuzz requests from a seeded RNG."""

    def __init__(self, rng, bucket):
        self.rng = rng
        self.bucket = bucket

    def choice(self, values):
        return self.rng.choice(values)

    # Valid requests to start from.

    def valid(self):
        r = self.rng
        kind = r.choice(["get", "get", "put", "put-chunked", "head", "list", "post-uploads", "post-delete", "delete",
                         "image", "image", "v2-get", "v2-put", "presigned"])
        key = r.choice(["pub.txt", "pub.jpg", "secret", f"fuzz/{r.randrange(50)}", "a b/ü", "dir/"])
        quoted = rawhttp.quote(key, safe="/-_.~")
        path = f"/{self.bucket}/{quoted}"
        port = PORT
        query = []
        body = b""
        if kind in ("get", "head", "delete"):
            method = {"get": "GET", "head": "HEAD", "delete": "DELETE"}[kind]
            extra = {"range": r.choice(RANGES)} if r.random() < 0.3 else {}
            headers = rawhttp.v4_headers(method, path, extra=extra)
        elif kind == "put":
            method = "PUT"
            body = r.randbytes(r.choice([0, 1, 100, 5000]))
            headers = rawhttp.v4_headers(method, path, payload_hash=hashlib.sha256(body).hexdigest(),
                                         extra={"content-type": "application/octet-stream"})
        elif kind == "put-chunked":
            method = "PUT"
            data = r.randbytes(r.choice([0, 10, 3000]))
            amz_date = rawhttp.amz_now()
            headers = rawhttp.v4_headers(method, path, payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD", amz_date=amz_date,
                                         extra={"content-encoding": "aws-chunked",
                                                "x-amz-decoded-content-length": str(len(data))})
            pieces = ([data] if data else []) + [b""]
            signatures = rawhttp.chunk_signatures(pieces, rawhttp.seed_of(headers), amz_date)
            body = b"".join(f"{len(p):x};chunk-signature={s}\r\n".encode() + p + b"\r\n" for p, s in zip(pieces, signatures))
            body = self.mutate_chunked(body) if r.random() < 0.7 else body
        elif kind == "list":
            method = "GET"
            path = f"/{self.bucket}/"
            query = [("list-type", "2"), ("max-keys", r.choice(HUGE_NUMBERS)), ("prefix", r.choice(["", "fuzz/", "%"]))]
            headers = rawhttp.v4_headers(method, path, query)
        elif kind == "post-uploads":
            method = "POST"
            query = [("uploads", "")]
            headers = rawhttp.v4_headers(method, path, query)
        elif kind == "post-delete":
            method = "POST"
            path = f"/{self.bucket}/"
            query = [("delete", "")]
            body = r.choice([b"<Delete><Object><Key>fuzz/1</Key></Object></Delete>", b"<Delete>" + b"<a>" * 3000,
                             b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]><Delete>&b;</Delete>",
                             r.randbytes(200)])
            headers = rawhttp.v4_headers(method, path, query, payload_hash=hashlib.sha256(body).hexdigest())
        elif kind == "image":
            method = r.choice(["GET", "GET", "HEAD"])
            port = IMAGE_PORT
            path = f"/{self.bucket}/pub.jpg@{rawhttp.quote(r.choice(PROCESSES), safe='-_.~=&')}"
            headers = rawhttp.v4_headers(method, path, port=port) if r.random() < 0.5 else {}
        elif kind in ("v2-get", "v2-put"):
            method = "GET" if kind == "v2-get" else "PUT"
            body = r.randbytes(r.choice([0, 64])) if method == "PUT" else b""
            date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
            headers = {"date": date}
            headers["authorization"] = rawhttp.v2_authorization(method, f"/{self.bucket}/{quoted}", headers, date)
        else:
            method = "GET"
            headers = {}
        if kind == "presigned":
            target = path + "?" + rawhttp.v4_presigned_query(method, path, expires=r.choice(["300", "99999999999999999999", "-1"]))
        else:
            target = path + ("?" + rawhttp.canonical_query(query) if query else "")
        items = [(k, v) for k, v in headers.items() if k != "host"]
        items.insert(0, ("Host", f"{HOST}:{port}"))
        return port, method, target, items, body, kind

    def mutate_chunked(self, body):
        r = self.rng
        how = r.randrange(7)
        if how == 0:
            return f"{r.choice(['FFFFFFFFFFFFFFFFFF', '7FFFFFFFFFFFFFFF', '-1', 'zz', ''])};chunk-signature={'0' * 64}\r\n".encode() + body
        if how == 1:
            return body[:r.randrange(len(body) + 1)]
        if how == 2:
            return body + b"x-amz-checksum-crc32:" + b"A" * r.choice([10, 70000]) + b"\r\n\r\n"
        if how == 3:
            return body.replace(b"\r\n", b"\n")
        if how == 4:
            return body.replace(b";chunk-signature=", b";chunk-signature=" + b"f" * r.choice([1, 5000]))
        if how == 5:
            return body[:-2] + b"".join(f"x-amz-meta-{i}:v\r\n".encode() for i in range(r.choice([10, 3000]))) + b"\r\n"
        return bytes(b ^ 0xFF if r.random() < 0.01 else b for b in body)

    # Mutations.

    def mutate(self, request):
        port, method, target, headers, body, kind = request
        r = self.rng
        headers = list(headers)
        for _ in range(r.randint(1, 3)):
            what = r.randrange(12)
            if what == 0:
                method = r.choice(METHODS)
            elif what == 1:
                piece = r.choice(PATH_PIECES)
                cut = r.randrange(len(target) + 1)
                target = target[:cut] + piece + target[cut:]
            elif what == 2:
                target = r.choice(["*", "", "http://127.0.0.1/x", "/" + "../" * 50 + "etc/passwd", "/%00",
                                   f"/{self.bucket}/" + "k" * r.choice([1025, 70000])])
            elif what in (3, 4, 5):
                name = r.choice(HEADERS_TO_MUTATE)
                value = r.choice(HUGE_NUMBERS + ODD_DATES + RANGES + ["", "chunked", "gzip, chunked", "100-continue",
                                                                      "AWS4-HMAC-SHA256 " + "Credential=x," * 500,
                                                                      "AWS :", "AWS a:b:c", "\x01\x02", "a" * 70000])
                headers = [(k, v) for k, v in headers if k.lower() != name.lower() or r.random() < 0.3]
                headers.append((name, value))
            elif what == 6:
                name = r.choice(["X Bad", "Bad:Name", "\x00", "", "x-amz-" + "m" * 9000, "\u00e9t\u00e9", "Host",
                                 "Content-Length", "Transfer-Encoding"])
                headers.append((name, r.choice(["1", "chunked", "", "v" * 100])))
            elif what == 7 and headers:
                del headers[r.randrange(len(headers))]
            elif what == 8:
                body = body[:r.randrange(len(body) + 1)] if body and r.random() < 0.5 else body + r.randbytes(r.choice([1, 1000, 100_000]))
            elif what == 9:
                headers.append(("Transfer-Encoding", "chunked"))
                body = r.choice([b"5\r\nhello\r\n0\r\n\r\n", b"FFFFFFFFFFFFFFFFFFFF\r\nx\r\n", b"zz\r\n", b"0\r\n" + b"T: v\r\n" * 5000 + b"\r\n",
                                 b"-1\r\n\r\n"])
            elif what == 10:
                return port, self.render(method, target, headers, body, r.choice(VERSIONS)), kind + "+version"
            else:
                headers.append(("Expect", "100-continue"))
        return port, self.render(method, target, headers, body), kind + "+mutated"

    def render(self, method, target, headers, body, version="HTTP/1.1", eol="\r\n"):
        names = {k.lower() for k, _ in headers}
        lines = [f"{method} {target} {version}".rstrip()] + [f"{k}: {v}" for k, v in headers]
        if "content-length" not in names and "transfer-encoding" not in names and body:
            lines.append(f"Content-Length: {len(body)}")
        if "connection" not in names:
            lines.append("Connection: close")
        return (eol.join(lines) + eol + eol).encode("latin-1", "replace") + body

    def garbage(self):
        r = self.rng
        port = r.choice([PORT, IMAGE_PORT])
        how = r.randrange(6)
        if how == 0:
            return port, r.randbytes(r.randint(1, 3000)), "garbage"
        if how == 1:
            return port, b"GET / HTTP/1.1\r\n" + r.randbytes(r.randint(1, 500)) + b"\r\n\r\n", "garbage-headers"
        if how == 2:
            return port, b"\r\n" * r.randint(1, 5000), "blank-lines+half-closed"
        if how == 3:
            return port, ("GET /" + "a" * r.choice([10, 100_000]) + " HTTP/1.1\r\nHost: x\r\n\r\n").encode(), "long-line"
        if how == 4:
            return port, b"GET / HTTP/1.1\nHost: x\n" + b"X: y\n" * r.choice([10, 20_000]) + b"\n", "bare-lf"
        return port, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + r.randbytes(100), "h2-preface"

    def one(self):
        r = self.rng
        roll = r.random()
        if roll < 0.12:
            port, data, kind = self.garbage()
            return port, data, kind, None
        request = self.valid()
        if roll < 0.22:
            port, method, target, headers, body, kind = request
            return port, self.render(method, target, headers, body), kind + "+valid", None
        if roll < 0.27:
            port, method, target, headers, body, kind = request
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", "100000")]
            data = self.render(method, target, headers, body + r.randbytes(500))
            return port, data, kind + "+close-mid-body", len(data) - r.randrange(1, 400)
        port, data, kind = self.mutate(request)
        return port, data, kind, None


def half_open_connections(count, bucket):
    """Connections that sent part of a request and say nothing more."""
    held = []
    partials = [b"GET /", f"PUT /{bucket}/half HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc".encode(),
                b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", f"GET /{bucket}/pub.jpg@30r HTTP/1.1\r\n".encode(), b""]
    for index in range(count):
        port = IMAGE_PORT if index % 4 == 3 else PORT
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.sendall(partials[index % len(partials)])
        held.append(sock)
    return held


@pytest.fixture
def fuzz_bucket():
    s3 = client()
    name = f"fuzz-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="pub.txt", Body=b"public text " * 10, ACL="public-read")
    s3.put_object(Bucket=name, Key="pub.jpg", Body=rawhttp.jpeg_bytes(), ACL="public-read")
    s3.put_object(Bucket=name, Key="secret", Body=b"private")
    # Never a target of the fuzz requests (which may delete or overwrite the others): read at the end.
    s3.put_object(Bucket=name, Key="kept/image.jpg", Body=rawhttp.jpeg_bytes(), ACL="public-read")
    yield name
    empty_and_delete(s3, name)


def process_alive():
    if not SERVER_PID:
        return True
    try:
        with open(f"/proc/{int(SERVER_PID)}/status") as status:
            return not any(line.startswith("State:") and line.split()[1] == "Z" for line in status)
    except FileNotFoundError:
        return False


def test_raw_socket_fuzz(fuzz_bucket):
    assert rawhttp.IMAGE_ENDPOINT, "MSS_SERVER_IMAGE_ENDPOINT is not set"
    print(f"\nraw fuzz: seed {SEED} (MSS_FUZZ_SEED={SEED} replays it), {REQUESTS} requests, budget {SECONDS:.0f} s")
    rng = random.Random(SEED)
    generator = Generator(rng, fuzz_bucket)
    # Generated up front from the one seeded RNG, so a seed names the same inputs every time.
    requests = [generator.one() for _ in range(REQUESTS)]
    tally = Tally()
    held = half_open_connections(HALF_OPEN, fuzz_bucket)
    started = time.monotonic()
    deadline = started + SECONDS
    sent = 0
    try:
        def work(item):
            port, data, kind, close_after = item
            if time.monotonic() > deadline:
                return False
            response, outcome = send_and_classify(port, data, close_after, half_close=kind.endswith("half-closed"))
            tally.record(kind.split("+")[-1], data, response, outcome)
            return True

        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            sent = sum(pool.map(work, requests))
        elapsed = time.monotonic() - started

        print(f"raw fuzz: {sent} requests in {elapsed:.1f} s, {HALF_OPEN} half-open connections held")
        print("raw fuzz: answers by class:", dict(sorted(tally.classes.items())))
        print("raw fuzz: statuses:", dict(sorted(tally.statuses.items())))
        for kind, outcomes in sorted(tally.kinds.items()):
            print(f"raw fuzz: {kind}: {sum(outcomes.values())} inputs -> {dict(sorted(outcomes.items()))}")
        for kind, status, request_bytes, body in tally.bad[:10]:
            print(f"raw fuzz: {status} for {kind}: {request_bytes[:700]!r}\n    -> {body!r}")

        # Still answering while the half-open connections are held.
        assert process_alive(), f"mss-server (pid {SERVER_PID}) is gone after the fuzz run"
        check_normal_requests(fuzz_bucket)
    finally:
        for sock in held:
            sock.close()
    assert process_alive()
    check_normal_requests(fuzz_bucket)
    assert not tally.bad, f"{len(tally.bad)} answers were 5xx (not 503 SlowDown / 501 NotImplemented); first: {tally.bad[0]}"
    assert sent == REQUESTS, f"only {sent} of {REQUESTS} requests went out within {SECONDS:.0f} s"
    answered = sum(count for outcome, count in tally.classes.items() if outcome[0].isdigit())
    assert answered >= REQUESTS // 2, f"only {answered} of {sent} requests got an answer: {dict(tally.classes)}"


def check_normal_requests(bucket):
    s3 = client()
    body = os.urandom(10_000)
    key = f"after-fuzz-{uuid.uuid4().hex[:8]}"
    put = s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="after-fuzz").get("Contents", [])]
        raise AssertionError(f"PUT {key} answered {put['ResponseMetadata']['HTTPStatusCode']} {put.get('ETag')}, "
                             f"then GET failed: {error}; listed: {listed}") from error
    assert got == body
    answer = rawhttp.image_client().get_object(Bucket=bucket, Key="kept/image.jpg@30r")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200 and answer["Body"].read()[:2] == b"\xff\xd8"
