"""The fast read path under attack: plain GETs and HEADs of objects answered from the in-memory
answer cache on the connection's event loop (FastReadHandler, ReadAnswerCache,
VerifiedPresignedURLs), not by the S3 handler.

A cache of answers is only correct if an answer it gives is exactly the one the full path would
give, and never outlives a change. So these tests attack the ways it could be wrong:

- equivalence: for anonymous, SigV4 and SigV2 presigned, hand-signed SigV4/SigV2 header and boto3
  reads, a GET or HEAD served from the cache (the server's debug log shows it never reached the S3
  handler) carries the full path's status, body and every header in the same order, but its own
  request id and a current Date; an empty object, one of exactly 64 KiB, one of 64 KiB + 1 (HEAD
  cached, GET streamed), a versioned object, a copy and a multipart upload's result included;
- write-through: a plain PutObject of at most 64 KiB, unencrypted, into a bucket without lifecycle
  rules keeps its answer as it commits, so even the first GET and HEAD after it come from the
  cache, exactly the full path's whatever the PUT carried (metadata, tags, content headers,
  checksums, a versioned or suspended bucket, an empty body, aws-chunked framing as boto3 sends it
  over HTTPS, signed chunks); a lifecycle bucket, encryption, more than 64 KiB, a copy, a multipart
  upload or a POST form keep nothing, and PUTs racing on one key leave the last one's answer;
- `x-amz-checksum-mode: ENABLED` (boto3's and the AWS CLI's default) is answered from the cache
  with the object's checksums exactly as the full path adds them; another value, the header twice,
  or a signature that does not cover it, is the full path's;
- staleness: with the key's answer cached, every kind of change (overwrite by PUT, copy, multipart
  completion, POST form; deletes; object ACL; tags; bucket versioning, lifecycle, ACL, CORS; the
  bucket deleted and made again) shows in the very next answer, which equals the full path's;
- authentication: the cache and the list of verified presigned URLs must not let through what the
  full path refuses: a signature changed by one character, a presigned URL of another user, an
  expired URL that verified (and was remembered) while valid, parameters moved or added, unsigned
  x-amz-* headers, another Host, another method, a stale or wrongly signed header-auth request;
- non-plain requests on a warm key (Range, conditions, response-* overrides, CORS origin, a
  checksum mode other than one `ENABLED`, versionId, sub-resources) get the full path's answer,
  and never leave it in the cache;
- addressing: percent-encoded spellings of the key, '+', virtual-host style, half presigned queries;
- the connection: HTTP/1.0 with and without keep-alive, Connection: close, pipelined mixtures of
  cached, uncached, missing and written keys answered in order, the idle timeout counting cached
  answers as activity; back-pressure: a client that pipelines thousands of GETs and reads nothing
  does not make the server pile up their answers in memory, and then gets every one in order;
- a race of overwrites against readers of all kinds: every answer is one written body, whole, with
  its own ETag, and no reader (nor the writer after its PUT) ever sees an older generation;
- --object-cache-size 0 (off), a cache far smaller than what is read, 1T (the most), and sizes
  that are not sizes or more than 1T refused at start.

"The full path's answer" is taken from the server itself: the same request with one more header
outside the fast path's neutral list (X-Fast-Read-Oracle) always goes to the S3 handler, which
ignores that header; the debug log proves which requests reached the handler. All but one test
run on servers of the module's own (server_process), so no other test's bucket changes empty the
cache under them; that one repeats reads on the suite's shared server, as it is configured there.
"""
import base64
import datetime
import email.utils
import hashlib
import hmac
import os
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import zlib

import boto3
import pytest
import requests
from botocore.awsrequest import AWSResponse
from botocore.config import Config

import rawhttp
import server_process
from conftest import new_bucket_name
from server_process import ServerProcess

OWNER = (server_process.ACCESS_KEY, server_process.SECRET_KEY)
OTHER = ("FASTREADUSER00002", "fast-read-user-two-secret-0002")
THIRD = ("FASTREADUSER00003", "fast-read-user-three-secret-03")
REGION = "us-east-1"
ORACLE = ("X-Fast-Read-Oracle", "full path")
VARYING = {"x-amz-request-id", "date"}


# MARK: servers


def start_server(tmp_path_factory, name, *args):
    base = tmp_path_factory.mktemp(name)
    users = base / "users"
    users.write_text("".join(f"{access} {secret} Fast read user {access}\n" for access, secret in (OTHER, THIRD)))
    os.chmod(users, 0o600)
    return ServerProcess(base / "data", base / "server.log",
                         extra_args=["--users", str(users), "--log-level", "debug", *args]).start()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The module's server: two more users, the debug log (which names every request the S3
    handler answered) and virtual-host addressing under `localhost`."""
    server = start_server(tmp_path_factory, "fast-reads", "--domain", "localhost")
    try:
        yield Site(server)
    finally:
        server.stop()


class Site:
    def __init__(self, server):
        self.server = server
        self.port = server.port
        self.host = f"127.0.0.1:{server.port}"
        self.owner = make_client(server, OWNER)
        self.owner_v2 = make_client(server, OWNER, "s3")
        self.other = make_client(server, OTHER)
        self.bare = make_client(server, OWNER, checksums=False)
        self.ids = {name: c.list_buckets()["Owner"]["ID"] for name, c in (("owner", self.owner), ("other", self.other))}

    def bucket(self, acl="private", versioned=False):
        name = new_bucket_name("fast")
        self.owner.create_bucket(Bucket=name, ACL=acl)
        if versioned:
            self.owner.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def fetch(self, method, target, headers=(), **options):
        """One request on a connection of its own (kept alive: `Connection: close` would take the
        full path), and its answer."""
        with Connection(self.port) as connection:
            connection.send(request_bytes(method, target, headers, host=self.host, **options))
            return connection.answer(method)

    def oracle(self, method, target, headers=()):
        """The full path's answer to the same request: one more, non-neutral header keeps it off
        the fast path (checked in the log)."""
        path = logged_path(target)
        before = self.full(method, path)
        answer = self.fetch(method, target, list(headers.items() if isinstance(headers, dict) else headers) + [ORACLE])
        assert self.full(method, path) == before + 1, f"the oracle request {method} {target} did not reach the S3 handler"
        return answer

    def full(self, method, path):
        return handled(self.server, method, path)

    def warm(self, target, headers=(), method="GET"):
        """Reads `target` until an answer comes from the cache (its second read at most), and
        returns that answer: a test of staleness is only one if the stale answer was there."""
        path = logged_path(target)
        answer = None
        for _ in range(3):
            before = self.full(method, path)
            answer = self.fetch(method, target, headers)
            assert answer.status == 200, (target, answer.status, answer.body[:300])
            if self.full(method, path) == before:
                return answer
        raise AssertionError(f"{method} {target} is never answered from the cache")


def handled(server, method, path):
    """How many `method path` requests the S3 handler answered so far (its debug log names each;
    the fast path logs nothing)."""
    pattern = re.compile(rf"method={method} path={re.escape(path)} status=")
    with open(server.log_path, errors="replace") as log:
        return sum(1 for line in log if pattern.search(line))


def logged_path(target):
    """The path the log names for a request target (origin or absolute form)."""
    if target.startswith("http://"):
        target = "/" + target.split("/", 3)[3]
    return target.split("?", 1)[0]


def make_client(server, keys, signature="s3v4", checksums=True):
    """boto3 signing with `keys`, by default with botocore's own checksum behaviour, as boto3
    (1.36 and later) and the AWS CLI are used: a CRC32 of every PutObject's body sent and stored,
    GetObject sent with `x-amz-checksum-mode: ENABLED` and the answer's checksum validated. With
    `checksums=False`, neither: objects stored without a checksum, reads without the header."""
    when = {} if checksums else {"request_checksum_calculation": "when_required", "response_checksum_validation": "when_required"}
    config = Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                    connect_timeout=5, read_timeout=30, **when)
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=REGION, config=config,
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1])


# MARK: raw HTTP


class ConnectionEnded(Exception):
    pass


class Answer:
    def __init__(self, version, status, headers, body):
        self.version, self.status, self.headers, self.body = version, status, headers, body

    def get(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [value for field, value in self.headers if field.lower() == name.lower()]

    def comparable(self):
        """Everything but what each answer has of its own: status, body and every other header,
        in order, as sent. An error document names the request id, which then counts in the
        length: both are taken out."""
        body, cut = self.body, 0
        request_id = self.get("x-amz-request-id")
        if request_id and body:
            body = body.replace(f"<RequestId>{request_id}</RequestId>".encode(), b"<RequestId/>")
            cut = len(self.body) - len(body)
        headers = [(name, str(int(value) - cut) if name.lower() == "content-length" and cut else value)
                   for name, value in self.headers if name.lower() not in VARYING]
        return self.status, headers, body

    def code(self):
        return rawhttp.error_code(self)

    def message(self):
        return rawhttp.error_message(self)

    def __repr__(self):
        return f"<{self.version} {self.status} {self.headers} {self.body[:120]!r}>"


class Connection:
    def __init__(self, port, timeout=15):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _more(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionEnded(f"the connection ended; unread: {self.buffer[:200]!r}")
        self.buffer += chunk

    def _take(self, count):
        while len(self.buffer) < count:
            self._more()
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._more()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def answer(self, method="GET"):
        """The next answer on the connection, framed as HTTP frames it (interim 1xx skipped)."""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
        answer = Answer(version, int(status), headers, b"")
        if 100 <= answer.status < 200:
            return self.answer(method)
        if method == "HEAD" or answer.status in (204, 304):
            return answer
        length = answer.get("content-length")
        if length is not None:
            answer.body = self._take(int(length))
        elif (answer.get("transfer-encoding") or "").lower() == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
            answer.body = body
        else:
            try:
                while True:
                    self._more()
            except ConnectionEnded:
                answer.body, self.buffer = self.buffer, b""
        return answer

    def ends_within(self, seconds):
        """True when the server closes the connection within `seconds` (nothing else arriving)."""
        self.sock.settimeout(seconds)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    return True
                self.buffer += chunk
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        return False


def request_bytes(method, target, headers=(), host=None, version="HTTP/1.1", body=b""):
    """One request; Host is added unless `headers` has one; nothing else is added."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    lines = [f"{method} {target} {version}"]
    if not any(name.lower() == "host" for name, _ in items):
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in items]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# MARK: signatures


def presigned(client, operation, bucket, key, expires=300, **params):
    """The target (path?query) of a presigned URL made by boto3 (SigV4, or SigV2 for a client
    with signature "s3")."""
    url = client.generate_presigned_url(operation, Params={"Bucket": bucket, "Key": key, **params}, ExpiresIn=expires)
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


def v4_header_auth(site, method, path, keys=OWNER, query=(), extra=None, amz_date=None, payload_hash=rawhttp.EMPTY_SHA256):
    """Headers of a SigV4 header-signed request made by hand; `extra` headers are signed too."""
    amz_date = amz_date or rawhttp.amz_now()
    headers = {"host": site.host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    headers.update({name.lower(): value for name, value in (extra or {}).items()})
    signed = sorted(headers)
    signature = rawhttp.v4_signature(method, path, list(query), headers, signed, payload_hash, amz_date, secret=keys[1])
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={keys[0]}/{amz_date[:8]}/{REGION}/s3/aws4_request, "
                                f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    return headers


def v2_header_auth(method, resource, keys=OWNER, extra=None):
    """Headers of a SigV2 header-signed request made by hand."""
    date = email.utils.formatdate(usegmt=True)
    amz = sorted((name.lower(), value) for name, value in (extra or {}).items() if name.lower().startswith("x-amz-"))
    string_to_sign = f"{method}\n\n\n{date}\n" + "".join(f"{name}:{value}\n" for name, value in amz) + resource
    signature = base64.b64encode(hmac.new(keys[1].encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    return {"Date": date, "Authorization": f"AWS {keys[0]}:{signature}", **(extra or {})}


def tampered(target, name):
    """`target` with one character of its `name` parameter changed, same length."""
    prefix, value = re.search(rf"([?&]{name}=)([^&]*)", target).groups()
    # A letter or digit outside any %XX escape.
    index = next(i for i, c in enumerate(value) if c.isalnum() and "%" not in value[max(0, i - 2):i])
    changed = "b" if value[index] == "a" else "a"
    return target.replace(prefix + value, prefix + value[:index] + changed + value[index + 1:], 1)


# MARK: checks


def check_own_fields(answers):
    """Each answer has one request id of its own and one current RFC 1123 Date."""
    ids = []
    for answer in answers:
        assert len(answer.all("x-amz-request-id")) == 1 and len(answer.all("date")) == 1, answer.headers
        ids.append(answer.get("x-amz-request-id"))
        assert re.fullmatch(r"[0-9A-F]{1,16}", ids[-1]), ids[-1]
        check_date(answer.get("date"))
    assert len(set(ids)) == len(ids), f"request ids repeat: {ids}"


def check_date(value):
    parsed = email.utils.parsedate_to_datetime(value)
    assert parsed.strftime("%a, %d %b %Y %H:%M:%S GMT") == value, f"not an RFC 1123 date: {value!r}"
    skew = abs((parsed - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
    assert skew < 10, f"Date {value} is {skew:.0f} s from now"


def assert_same(answer, expected, what):
    assert answer.comparable() == expected.comparable(), (
        f"{what}: the answer differs from the full path's\n got:      {answer!r}\n expected: {expected!r}")


def check_repeats(answers, what):
    for number, answer in enumerate(answers[1:], 2):
        assert_same(answer, answers[0], f"{what}, answer {number}")
    check_own_fields(answers)


def quoted_md5(body):
    return f'"{hashlib.md5(body).hexdigest()}"'


# MARK: 1. the cache's answers are the full path's


RICH = {"Metadata": {"colour": "blue", "Mixed-Case": "Value With  Spaces"}, "ContentType": "text/x-fast; charset=utf-8",
        "ContentEncoding": "identity", "ContentDisposition": 'attachment; filename="r.txt"', "ContentLanguage": "fr",
        "CacheControl": "max-age=60, private", "Expires": datetime.datetime(2031, 1, 2, 3, 4, 5),
        "Tagging": "a=1&b=two&c=%C3%A9"}


def equivalence_objects(site):
    """Objects of every shape, public-read (anonymous may read them; so may their owner), each
    with the number of full-path answers its first three HEADs and first three GETs take.

    A plain PutObject of at most 64 KiB, unencrypted, in a bucket without lifecycle rules, keeps
    its answer as it commits: every read of it comes from the cache, the first included. A
    larger one is never kept whole: its first HEAD leaves a headers-only entry, its GETs all
    stream. A copy and a completed multipart upload keep nothing as they are written: their first
    HEAD leaves a headers-only entry, their first GET fills the body."""
    bucket = site.bucket()
    versioned = site.bucket(versioned=True)
    s3 = site.owner
    objects = {
        "rich": (bucket, "rich/object.txt", b"rich body " * 50, RICH, (0, 0)),
        "empty": (bucket, "empty", b"", {}, (0, 0)),
        "64KiB": (bucket, "exactly-64k", os.urandom(64 << 10), {"ContentType": "application/octet-stream"}, (0, 0)),
        "64KiB+1": (bucket, "over-64k", os.urandom((64 << 10) + 1), {}, (1, 3)),
    }
    for _, key, body, extra, _ in objects.values():
        s3.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read", **extra)
    s3.put_object(Bucket=versioned, Key="v", Body=b"first version", ACL="public-read")
    latest = s3.put_object(Bucket=versioned, Key="v", Body=b"second version", ACL="public-read",
                           Metadata={"v": "2"})["VersionId"]
    objects["versioned"] = (versioned, "v", b"second version", {"VersionId": latest}, (0, 0))
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "rich/object.txt"}, ACL="public-read",
                   MetadataDirective="REPLACE", Metadata={"copied": "yes"}, ContentType="text/copied")
    objects["copied"] = (bucket, "copied", b"rich body " * 50, {}, (1, 1))
    part = b"the only part " * 40
    upload = s3.create_multipart_upload(Bucket=bucket, Key="joined", ACL="public-read", ContentType="text/joined")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="joined", UploadId=upload, PartNumber=1, Body=part)["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="joined", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    objects["multipart"] = (bucket, "joined", part, {}, (1, 1))
    return objects


def request_as(site, kind, method, bucket, key, extra=None):
    """The target and headers of one GET or HEAD of bucket/key by `kind` of caller (the owner, or
    anonymous); `extra` headers are sent too, signed where the kind signs headers."""
    path = f"/{bucket}/{urllib.parse.quote(key)}"
    extra = dict(extra or {})
    if kind == "anonymous":
        return path, extra
    if kind in ("v4-presigned", "v2-presigned"):
        assert not extra, "presigned URLs are made without extra headers here"
        client = site.owner if kind == "v4-presigned" else site.owner_v2
        return presigned(client, "get_object" if method == "GET" else "head_object", bucket, key), {}
    if kind == "v4-header":
        return path, v4_header_auth(site, method, path, extra=extra)
    if kind == "v2-header":
        return path, v2_header_auth(method, path, extra=extra)
    raise AssertionError(kind)


def read_as(site, kind, method, bucket, key, extra=None):
    """One GET or HEAD of bucket/key by `kind` of caller; the raw answer."""
    target, headers = request_as(site, kind, method, bucket, key, extra)
    return site.fetch(method, target, headers)


def oracle_as(site, kind, method, bucket, key, extra=None):
    """The full path's answer to the same request as read_as's."""
    target, headers = request_as(site, kind, method, bucket, key, extra)
    return site.oracle(method, target, headers)


def boto3_read(client, method, bucket, key):
    """A boto3 GetObject or HeadObject as an Answer (headers as boto3 gives them: lower-case, one
    per name, so their order is not compared)."""
    if method == "GET":
        got = client.get_object(Bucket=bucket, Key=key)
        body = got["Body"].read()
    else:
        got = client.head_object(Bucket=bucket, Key=key)
        body = b""
    meta = got["ResponseMetadata"]
    return Answer("HTTP/1.1", meta["HTTPStatusCode"], sorted(meta["HTTPHeaders"].items()), body)


def as_boto3_sees_it(answer):
    """A raw answer in boto3_read's form."""
    return Answer(answer.version, answer.status, sorted((name.lower(), value) for name, value in answer.headers), answer.body)


def without_checksums(headers):
    return [(name, value) for name, value in headers if not name.lower().startswith("x-amz-checksum-")]


def crc32_of(body):
    return base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()


def sha256_of(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def crc32c_of(body):
    """CRC32C (Castagnoli, reflected), base64 as in x-amz-checksum-crc32c."""
    crc = 0xFFFFFFFF
    for byte in body:
        crc = _CRC32C[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return base64.b64encode((crc ^ 0xFFFFFFFF).to_bytes(4, "big")).decode()


def _crc32c_entry(index):
    for _ in range(8):
        index = (index >> 1) ^ (0x82F63B78 if index & 1 else 0)
    return index


_CRC32C = [_crc32c_entry(index) for index in range(256)]


@pytest.mark.parametrize("kind", ["anonymous", "v4-presigned", "v2-presigned", "v4-header", "v2-header", "boto3-v4", "boto3-v2"])
def test_cached_answers_are_the_full_paths(site, kind):
    objects = equivalence_objects(site)
    # Raw requests each have a connection of their own, so which ones reach the S3 handler is
    # exact. boto3 keeps its connection: a request sent the moment the previous answer's last
    # byte arrived may get there before that answer's end has passed the fast read handler, and
    # is then handed on (rightly: answers stay in order); there, most repeats must be cached.
    # boto3 reads with its default checksum behaviour: GetObject with x-amz-checksum-mode:
    # ENABLED (answered from the cache too, with the checksums), HeadObject without.
    exact = not kind.startswith("boto3")
    cached = {"GET": 0, "HEAD": 0}
    possible = {"GET": 0, "HEAD": 0}

    def count(method, path, reads, expected_full):
        done = site.full(method, path) - before
        if exact:
            assert done == expected_full, f"{what}: {done} of {reads} {method}s reached the S3 handler, not {expected_full}"
        assert done >= expected_full, f"{what}: a {method} that cannot be cached was not answered by the S3 handler"
        cached[method] += reads - done
        possible[method] += reads - expected_full

    for shape, (bucket, key, body, extra, (full_heads, full_gets)) in objects.items():
        path = f"/{bucket}/{urllib.parse.quote(key)}"
        client = site.owner if kind == "boto3-v4" else site.owner_v2

        def read(method):
            if exact:
                return read_as(site, kind, method, bucket, key)
            time.sleep(0.02)
            return boto3_read(client, method, bucket, key)

        def oracle(method):
            if exact:
                return oracle_as(site, kind, method, bucket, key)
            mode = {"x-amz-checksum-mode": "ENABLED"} if method == "GET" else {}
            return as_boto3_sees_it(oracle_as(site, "v4-header", method, bucket, key, mode))

        what = f"{kind} {shape}"
        before = site.full("HEAD", path)
        heads = [read("HEAD") for _ in range(3)]
        count("HEAD", path, 3, full_heads)
        check_repeats(heads, f"{what} HEAD")
        assert heads[0].status == 200 and heads[0].body == b""
        assert heads[0].get("content-length") == str(len(body)), heads[0]
        if shape == "multipart":
            assert heads[0].get("etag") == f'"{hashlib.md5(hashlib.md5(body).digest()).hexdigest()}-1"', heads[0]
        else:
            assert heads[0].get("etag") == quoted_md5(body), heads[0]

        before = site.full("GET", path)
        gets = [read("GET") for _ in range(3)]
        count("GET", path, 3, full_gets)
        check_repeats(gets, f"{what} GET")
        assert gets[0].status == 200 and gets[0].body == body, (what, gets[0])
        # GET and HEAD answers have the same headers (the HEAD now comes from the GET's entry),
        # but for the checksums boto3's GetObject asks for.
        before = site.full("HEAD", path)
        again = read("HEAD")
        count("HEAD", path, 1, 0)
        check_repeats([heads[0], again], f"{what} HEAD after GET")
        assert without_checksums(gets[0].comparable()[1]) == heads[0].comparable()[1], f"{what}: GET and HEAD headers differ"
        assert not [name for name, _ in heads[0].headers if name.lower().startswith("x-amz-checksum-")], heads[0].headers
        if exact:
            assert gets[0].comparable()[1] == heads[0].comparable()[1], f"{what}: a plain GET has checksums"
        elif shape not in ("copied", "multipart"):
            assert gets[0].get("x-amz-checksum-crc32") == crc32_of(body), (what, gets[0].headers)

        # Cached or not, each is the full path's answer.
        assert_same(heads[0], oracle("HEAD"), f"{what} HEAD")
        assert_same(gets[0], oracle("GET"), f"{what} GET")

        if shape == "rich":
            assert gets[0].get("content-type") == RICH["ContentType"]
            assert gets[0].get("content-disposition") == RICH["ContentDisposition"]
            assert gets[0].get("content-encoding") == "identity"
            assert gets[0].get("x-amz-meta-colour") == "blue"
            assert gets[0].get("x-amz-tagging-count") == "3"
        if shape == "copied":
            assert (gets[0].get("content-type"), gets[0].get("x-amz-meta-copied")) == ("text/copied", "yes"), gets[0].headers
        if shape == "versioned":
            assert all(a.get("x-amz-version-id") == extra["VersionId"] for a in heads + gets + [again])
        else:
            assert all(a.get("x-amz-version-id") is None for a in heads + gets)
    for method in cached:
        assert cached[method] * 2 >= possible[method], (
            f"{kind}: only {cached[method]} of {possible[method]} {method}s were answered from the cache")


def test_the_suites_shared_server_repeats_its_answers():
    """The same equivalence on the server the whole suite runs against (MSS_SERVER_ENDPOINT), as
    it is configured there; its cache cannot be seen, so only the answers are compared."""
    from conftest import client, empty_and_delete
    s3 = client()
    bucket = new_bucket_name("fast")
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_object(Bucket=bucket, Key="shared", Body=b"shared body", ACL="public-read", **RICH)
        path = f"/{bucket}/shared"
        targets = [path, f"{path}?{rawhttp.v4_presigned_query('GET', path)}"]
        expires = str(int(time.time()) + 300)
        signature = rawhttp.v2_query_signature("GET", path, expires)
        query = [("AWSAccessKeyId", rawhttp.ACCESS_KEY), ("Expires", expires), ("Signature", signature)]
        targets.append(f"{path}?{rawhttp.canonical_query(query)}")
        for target in targets:
            answers = []
            for _ in range(3):
                with Connection(rawhttp.PORT) as connection:
                    connection.send(request_bytes("GET", target, host=f"{rawhttp.HOST}:{rawhttp.PORT}"))
                    answers.append(connection.answer("GET"))
            assert answers[0].status == 200 and answers[0].body == b"shared body", answers[0]
            check_repeats(answers, target)
    finally:
        empty_and_delete(s3, bucket)


# MARK: 1b. a PUT keeps the answer its first reads get


def put_raw(site, bucket, key, body, extra=None, payload_hash=None, framed=None):
    """A PutObject signed by hand (SigV4 header, the owner's): `extra` headers are signed;
    `framed` is the body as sent when it is not `body` itself (aws-chunked)."""
    path = f"/{bucket}/{urllib.parse.quote(key)}"
    headers = v4_header_auth(site, "PUT", path, extra=extra, payload_hash=payload_hash or hashlib.sha256(body).hexdigest())
    sent = body if framed is None else framed(headers)
    headers["Content-Length"] = str(len(sent))
    answer = site.fetch("PUT", path, headers, body=sent)
    assert answer.status == 200, (key, answer)
    return answer


def put_signed_chunks(site, bucket, key, body, chunk_size=8192, extra=None):
    """aws-chunked with a signature on every chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)."""
    def framed(headers):
        amz_date = headers["x-amz-date"]
        key_bytes = rawhttp.signing_key(amz_date[:8], secret=OWNER[1])
        scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
        previous, sent = rawhttp.seed_of(headers), b""
        for piece in [body[i:i + chunk_size] for i in range(0, len(body), chunk_size)] + [b""]:
            string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, rawhttp.EMPTY_SHA256,
                                        hashlib.sha256(piece).hexdigest()])
            previous = hmac.new(key_bytes, string_to_sign.encode(), hashlib.sha256).hexdigest()
            sent += f"{len(piece):x};chunk-signature={previous}\r\n".encode() + piece + b"\r\n"
        return sent
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(body)), **(extra or {})}
    return put_raw(site, bucket, key, body, extra, payload_hash="STREAMING-AWS4-HMAC-SHA256-PAYLOAD", framed=framed)


def put_unsigned_trailer(site, bucket, key, body, trailer, chunk_size=10000, extra=None):
    """aws-chunked, unsigned, with the checksum `trailer` (name, value) after the last chunk
    (STREAMING-UNSIGNED-PAYLOAD-TRAILER), framed by Content-Length."""
    name, value = trailer
    extra = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(body)), "x-amz-trailer": name,
             "x-amz-sdk-checksum-algorithm": name.rsplit("-", 1)[1].upper(), **(extra or {})}
    sent = b"".join(f"{len(body[i:i + chunk_size]):x}\r\n".encode() + body[i:i + chunk_size] + b"\r\n"
                    for i in range(0, len(body), chunk_size))
    sent += f"0\r\n{name}:{value}\r\n\r\n".encode()
    return put_raw(site, bucket, key, body, extra, payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER", framed=lambda _: sent)


class _NoBody:
    def stream(self, **kwargs):
        yield b""


def put_as_boto3_over_https(site, **params):
    """A PutObject exactly as boto3 sends it over HTTPS, where it streams the body aws-chunked
    with its CRC32 in a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER, Transfer-Encoding: chunked,
    Expect: 100-continue): botocore builds and signs it for https://host, and it is sent here
    as made, over plain HTTP (the scheme is not signed). The raw answer."""
    captured = {}

    def capture(request, **kwargs):
        body = request.body.read() if hasattr(request.body, "read") else request.body
        captured.update(url=request.url, headers=list(request.headers.items()), body=body)
        return AWSResponse(request.url, 200, {}, _NoBody())

    client = boto3.client("s3", endpoint_url=f"https://{site.host}", region_name=REGION, aws_access_key_id=OWNER[0],
                          aws_secret_access_key=OWNER[1], config=Config(s3={"addressing_style": "path"}))
    client.meta.events.register("before-send.s3.PutObject", capture)
    client.put_object(**params)
    headers = [(name, value.decode() if isinstance(value, bytes) else value) for name, value in captured["headers"]]
    sent = dict((name.lower(), value) for name, value in headers)
    framing = (sent.get("transfer-encoding"), sent.get("x-amz-content-sha256"))
    assert framing == ("chunked", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), headers
    body = captured["body"]
    framed = b"".join(f"{len(body[i:i + 7000]):x}\r\n".encode() + body[i:i + 7000] + b"\r\n" for i in range(0, len(body), 7000))
    parts = urllib.parse.urlsplit(captured["url"])
    answer = site.fetch("PUT", parts.path + (f"?{parts.query}" if parts.query else ""), headers, body=framed + b"0\r\n\r\n")
    assert answer.status == 200, answer
    return answer


def checksum_fields(answer):
    return sorted((name.lower(), value) for name, value in answer.headers if name.lower().startswith("x-amz-checksum-"))


def test_a_put_keeps_the_answer_its_first_reads_get(site):
    """Write-through: right after a plain PutObject of at most 64 KiB, unencrypted, into a bucket
    without lifecycle rules, the first GET and the first HEAD (with and without
    x-amz-checksum-mode: ENABLED) are answered from the cache, and are exactly the full path's
    answers, whatever the PUT carried and however it was framed. The writes that keep nothing
    leave the first read to the full path."""
    s3, bare = site.owner, site.bare
    bucket = site.bucket()
    versioned = site.bucket(versioned=True)
    suspended = site.bucket(versioned=True)
    s3.put_bucket_versioning(Bucket=suspended, VersioningConfiguration={"Status": "Suspended"})
    expiring = site.bucket()
    s3.put_bucket_lifecycle_configuration(Bucket=expiring, LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})
    small = b"small body " * 40
    sized = os.urandom(64 << 10)
    streamed = os.urandom(30000)
    versions = {}

    # name: (bucket, key, body, the PUT, who reads, the x-amz-checksum-* the object holds)
    kept = {
        "metadata, tags, content headers (boto3, CRC32)": (
            bucket, "rich", small, lambda: s3.put_object(Bucket=bucket, Key="rich", Body=small, ACL="public-read", **RICH),
            "anonymous", {"crc32": crc32_of(small)}),
        "empty body": (bucket, "empty", b"", lambda: bare.put_object(Bucket=bucket, Key="empty", Body=b"", ACL="public-read"),
                       "v4-presigned", {}),
        "exactly 64 KiB, private": (
            bucket, "sized", sized,
            lambda: bare.put_object(Bucket=bucket, Key="sized", Body=sized, ContentType="application/x-sized"),
            "v4-header", {}),
        "x-amz-checksum-crc32 header": (
            bucket, "crc32", small, lambda: put_raw(site, bucket, "crc32", small, {
                "x-amz-checksum-crc32": crc32_of(small), "x-amz-acl": "public-read", "content-type": "text/crc",
                "x-amz-meta-note": "by hand"}),
            "v2-header", {"crc32": crc32_of(small)}),
        "two checksums": (
            bucket, "two sums", small, lambda: put_raw(site, bucket, "two sums", small, {
                "x-amz-checksum-crc32": crc32_of(small), "x-amz-checksum-sha256": sha256_of(small), "x-amz-acl": "public-read"}),
            "anonymous", {"crc32": crc32_of(small), "sha256": sha256_of(small)}),
        "ChecksumAlgorithm SHA256 (boto3)": (
            bucket, "sha256", small, lambda: s3.put_object(Bucket=bucket, Key="sha256", Body=small, ChecksumAlgorithm="SHA256",
                                                           ACL="public-read"),
            "v2-presigned", {"sha256": sha256_of(small)}),
        "versioned bucket": (
            versioned, "v", b"version one", lambda: versions.update(one=s3.put_object(
                Bucket=versioned, Key="v", Body=b"version one", ACL="public-read")["VersionId"]),
            "anonymous", {"crc32": crc32_of(b"version one")}),
        "versioned bucket, a second version": (
            versioned, "v", b"version two", lambda: versions.update(two=s3.put_object(
                Bucket=versioned, Key="v", Body=b"version two", ACL="public-read", Metadata={"n": "2"})["VersionId"]),
            "v4-header", {"crc32": crc32_of(b"version two")}),
        "suspended bucket": (
            suspended, "s", small, lambda: bare.put_object(Bucket=suspended, Key="s", Body=small, ACL="public-read"),
            "anonymous", {}),
        "SigV2 PutObject": (
            bucket, "v2", small, lambda: site.owner_v2.put_object(Bucket=bucket, Key="v2", Body=small, ACL="public-read",
                                                                 ContentLanguage="de"),
            "anonymous", {"crc32": crc32_of(small)}),
        "If-None-Match: * (boto3)": (
            bucket, "conditional", small, lambda: bare.put_object(Bucket=bucket, Key="conditional", Body=small, IfNoneMatch="*",
                                                                 ACL="public-read"),
            "v2-header", {}),
        "aws-chunked as boto3 sends over HTTPS (trailer CRC32, gzip kept)": (
            bucket, "boto3 streamed", streamed, lambda: put_as_boto3_over_https(
                site, Bucket=bucket, Key="boto3 streamed", Body=streamed, ContentEncoding="gzip", ACL="public-read",
                Metadata={"streamed": "yes"}),
            "anonymous", {"crc32": crc32_of(streamed)}),
        "aws-chunked, unsigned, CRC32C trailer, by hand": (
            bucket, "trailer", streamed, lambda: put_unsigned_trailer(
                site, bucket, "trailer", streamed, ("x-amz-checksum-crc32c", crc32c_of(streamed)),
                extra={"x-amz-acl": "public-read"}),
            "v4-presigned", {"crc32c": crc32c_of(streamed)}),
        "aws-chunked, signed chunks": (
            bucket, "signed chunks", streamed, lambda: put_signed_chunks(
                site, bucket, "signed chunks", streamed,
                extra={"x-amz-acl": "public-read", "content-encoding": "aws-chunked,br"}),
            "v4-header", {}),
        "exactly 64 KiB decoded, aws-chunked with signed chunks": (
            bucket, "sized chunks", sized, lambda: put_signed_chunks(
                site, bucket, "sized chunks", sized, chunk_size=20000, extra={"x-amz-acl": "public-read"}),
            "anonymous", {}),
        "an overwrite of a kept key": (
            bucket, "rich", b"overwritten",
            lambda: bare.put_object(Bucket=bucket, Key="rich", Body=b"overwritten", ACL="public-read"),
            "anonymous", {}),
    }
    for number, (name, (where, key, body, put, kind, checksums)) in enumerate(kept.items()):
        path = f"/{where}/{urllib.parse.quote(key)}"
        put()
        before = (site.full("GET", path), site.full("HEAD", path))
        order = ("GET", "HEAD") if number % 2 == 0 else ("HEAD", "GET")
        first = {method: read_as(site, kind, method, where, key) for method in order}
        mode = {"x-amz-checksum-mode": "ENABLED"}
        with_sums = {method: read_as(site, "v4-header", method, where, key, mode) for method in order}
        assert (site.full("GET", path), site.full("HEAD", path)) == before, f"{name}: a first read reached the S3 handler"
        check_own_fields(list(first.values()) + list(with_sums.values()))
        for method in order:
            assert_same(first[method], oracle_as(site, kind, method, where, key), f"{name}: the first {method}")
            assert_same(with_sums[method], oracle_as(site, "v4-header", method, where, key, mode),
                        f"{name}: the first {method} with x-amz-checksum-mode: ENABLED")
            assert checksum_fields(first[method]) == [], (name, first[method].headers)
            assert checksum_fields(with_sums[method]) == sorted((f"x-amz-checksum-{n}", v) for n, v in checksums.items()), (
                name, with_sums[method].headers)
        got = first["GET"]
        assert (got.status, got.body, got.get("etag"), got.get("content-length")) == (
            200, body, quoted_md5(body), str(len(body))), (name, got)
        assert first["HEAD"].get("content-length") == str(len(body))
        if where == versioned:
            assert got.get("x-amz-version-id") == versions["one" if body == b"version one" else "two"], (name, got.headers)
        elif where == suspended:
            assert got.get("x-amz-version-id") == "null", got.headers
        else:
            assert got.get("x-amz-version-id") is None, got.headers
        if key in ("boto3 streamed", "trailer", "signed chunks", "sized chunks"):
            # aws-chunked frames the upload; only what else Content-Encoding named is kept.
            assert got.get("content-encoding") == {"boto3 streamed": "gzip", "signed chunks": "br"}.get(key), got.headers
    # What the entries hold is each object's own: another's, or anonymous reads of a private
    # object, are the full path's refusals.
    answer = site.fetch("GET", f"/{bucket}/sized")
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    answer = site.fetch("GET", f"/{bucket}/sized", v4_header_auth(site, "GET", f"/{bucket}/sized", keys=OTHER))
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    assert site.fetch("GET", f"/{bucket}/rich").body == b"overwritten"
    # Grants the PUT made: the user granted READ gets the kept answer; anonymous callers do not.
    s3.put_object(Bucket=bucket, Key="granted", Body=small, GrantRead=f'id="{site.ids["other"]}"',
                  GrantFullControl=f'id="{site.ids["owner"]}"')
    path = f"/{bucket}/granted"
    before = site.full("GET", path)
    answer = site.fetch("GET", path, v4_header_auth(site, "GET", path, keys=OTHER))
    assert site.full("GET", path) == before, "the granted user's first read reached the S3 handler"
    assert_same(answer, site.oracle("GET", path, v4_header_auth(site, "GET", path, keys=OTHER)), "the granted user's read")
    assert answer.body == small
    answer = site.fetch("GET", path)
    assert (answer.status, answer.code(), site.full("GET", path)) == (403, "AccessDenied", before + 2), answer

    # Writes that keep nothing: the first read (and, where never cacheable, every read) takes the
    # full path, and each is the full path's answer.
    over = os.urandom((64 << 10) + 1)
    form = s3.generate_presigned_post(bucket, "posted", Fields={"acl": "public-read"}, Conditions=[{"acl": "public-read"}])

    def copy():
        s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "two sums"}, ACL="public-read")

    def multipart():
        upload = s3.create_multipart_upload(Bucket=bucket, Key="joined", ACL="public-read")["UploadId"]
        etag = s3.upload_part(Bucket=bucket, Key="joined", UploadId=upload, PartNumber=1, Body=small)["ETag"]
        s3.complete_multipart_upload(Bucket=bucket, Key="joined", UploadId=upload,
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})

    def post():
        answer = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", small)}, timeout=30)
        assert answer.status_code == 204, answer.text

    # name: (bucket, key, the write, how many of three GETs, then of three HEADs, reach the S3
    # handler). A streamed GET (more than 64 KiB) leaves a headers-only entry for the HEADs.
    not_kept = {
        "a bucket with lifecycle rules": (expiring, "expiring", lambda: s3.put_object(
            Bucket=expiring, Key="expiring", Body=small, ACL="public-read"), (3, 3)),
        "SSE-S3": (bucket, "encrypted", lambda: s3.put_object(
            Bucket=bucket, Key="encrypted", Body=small, ACL="public-read", ServerSideEncryption="AES256"), (3, 3)),
        "SSE-C": (bucket, "customer", lambda: s3.put_object(
            Bucket=bucket, Key="customer", Body=small, ACL="public-read", SSECustomerAlgorithm="AES256",
            SSECustomerKey=bytes(range(32))), (3, 3)),
        "64 KiB + 1": (bucket, "over", lambda: s3.put_object(Bucket=bucket, Key="over", Body=over, ACL="public-read"), (3, 0)),
        "64 KiB + 1 over a kept key": (bucket, "conditional", lambda: bare.put_object(
            Bucket=bucket, Key="conditional", Body=over, ACL="public-read"), (3, 0)),
        "64 KiB + 1 decoded, aws-chunked with a trailer": (bucket, "over chunks", lambda: put_unsigned_trailer(
            site, bucket, "over chunks", over, ("x-amz-checksum-crc32", crc32_of(over)),
            extra={"x-amz-acl": "public-read"}), (3, 0)),
        "CopyObject": (bucket, "copied", copy, (1, 0)),
        "a completed multipart upload": (bucket, "joined", multipart, (1, 0)),
        "a POST form upload": (bucket, "posted", post, (1, 0)),
    }
    for name, (where, key, write, (full_gets, full_heads)) in not_kept.items():
        path = f"/{where}/{urllib.parse.quote(key)}"
        write()
        before = (site.full("GET", path), site.full("HEAD", path))
        gets = [site.fetch("GET", path) for _ in range(3)]
        heads = [site.fetch("HEAD", path) for _ in range(3)]
        done = (site.full("GET", path) - before[0], site.full("HEAD", path) - before[1])
        assert done == (full_gets, full_heads), f"{name}: {done} of three GETs and three HEADs reached the S3 handler"
        assert_same(gets[0], site.oracle("GET", path), f"{name}: the first GET")
        assert_same(heads[0], site.oracle("HEAD", path), f"{name}: the first HEAD")
        check_repeats(gets, f"{name} GET")
        check_repeats(heads, f"{name} HEAD")
        if name == "SSE-C":
            assert (gets[0].status, gets[0].code()) == (400, "InvalidRequest"), gets[0]
        else:
            assert gets[0].status == 200 and gets[0].body == (over if "64 KiB" in name else small), (name, gets[0])
        if name == "SSE-S3":
            assert gets[0].get("x-amz-server-side-encryption") == "AES256"
        if where == expiring:
            assert 'rule-id="expire"' in (gets[0].get("x-amz-expiration") or ""), gets[0].headers


def test_racing_puts_leave_the_last_ones_answer(site):
    """PUTs racing on one key, some kept as they commit and some not (more than 64 KiB, SSE-S3),
    with deletes among them: once all have returned, the key's next GET and HEAD, from the cache
    or not, are the full path's, that is the last commit's."""
    bucket = site.bucket()
    key, path = "raced", f"/{bucket}/raced"
    big = os.urandom((64 << 10) + 1)
    clients = [make_client(site.server, OWNER, checksums=number % 2 == 0) for number in range(6)]
    for round_number in range(5):
        failures = []

        def write(number, client):
            try:
                for step in range(4):
                    choice = (number + step + round_number) % 9
                    if choice == 0:
                        client.put_object(Bucket=bucket, Key=key, Body=big, ACL="public-read")
                    elif choice == 1:
                        client.put_object(Bucket=bucket, Key=key, Body=b"sealed %d" % number, ACL="public-read",
                                          ServerSideEncryption="AES256")
                    elif choice == 2:
                        client.delete_object(Bucket=bucket, Key=key)
                    else:
                        body = b"writer %d step %d round %d" % (number, step, round_number)
                        client.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read", Metadata={"writer": str(number)})
            except Exception as error:  # noqa: BLE001
                failures.append(repr(error))

        threads = [threading.Thread(target=write, args=(number, client)) for number, client in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures
        reads, full = [], []
        for method, headers in (("GET", {}), ("HEAD", {}), ("GET", {"x-amz-checksum-mode": "ENABLED"})):
            before = site.full(method, path)
            reads.append((method, headers, site.fetch(method, path, headers)))
            full.append(site.full(method, path) - before)
        for method, headers, answer in reads:
            assert_same(answer, site.oracle(method, path, headers), f"round {round_number}: {method} {headers} after the race")
        # Which reads the cache answered follows from what was written last: a small plain PUT
        # kept its answer; a larger one's first GET left a headers-only entry; an encrypted
        # object or none (403) is never kept.
        last = reads[0][2]
        if last.status == 200 and last.get("x-amz-server-side-encryption") is None:
            expected = [0, 0, 0] if len(last.body) <= 64 << 10 else [1, 0, 1]
        else:
            expected = [1, 1, 1]
        assert full == expected, (
            f"round {round_number}: {full} reads reached the S3 handler after the race, not {expected}: {last!r}")


# MARK: 1c. x-amz-checksum-mode: ENABLED


def test_checksum_mode_enabled_is_answered_from_the_cache_with_the_checksums(site):
    """`x-amz-checksum-mode: ENABLED` (boto3 1.36+ and the AWS CLI send it on every GetObject)
    is answered from the cache, with the object's x-amz-checksum-* headers exactly where and as
    the full path adds them, for objects with checksums and without; the same reads without the
    header carry none. Any other value, or the header twice, is the full path's every time, and
    so are the signature's refusals: the header unsigned, or signed and then left out or changed."""
    bucket = site.bucket()
    s3 = site.owner
    body = b"summed body " * 30
    big = os.urandom((64 << 10) + 1)
    s3.put_object(Bucket=bucket, Key="crc32", Body=body, ACL="public-read")  # boto3's default: CRC32
    put_raw(site, bucket, "two", body, {"x-amz-checksum-sha256": sha256_of(body), "x-amz-checksum-crc32c": crc32c_of(body),
                                        "x-amz-acl": "public-read"})
    site.bare.put_object(Bucket=bucket, Key="none", Body=body, ACL="public-read")
    s3.put_object(Bucket=bucket, Key="big", Body=big, ACL="public-read")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "two"}, ACL="public-read")
    # key: (body, its checksums, how many GETs and HEADs reach the S3 handler: none of what a PUT
    # kept, the first GET of a copy, every GET of more than 64 KiB (None), whose first leaves a
    # headers-only entry)
    objects = {
        "crc32": (body, {"crc32": crc32_of(body)}, (0, 0)),
        "two": (body, {"sha256": sha256_of(body), "crc32c": crc32c_of(body)}, (0, 0)),
        "none": (body, {}, (0, 0)),
        "copied": (body, {"sha256": sha256_of(body), "crc32c": crc32c_of(body)}, (1, 0)),
        "big": (big, {"crc32": crc32_of(big)}, (None, 0)),
    }
    enabled = {"x-amz-checksum-mode": "ENABLED"}
    for key, (data, checksums, (full_gets, full_heads)) in objects.items():
        path = f"/{bucket}/{key}"
        expected = sorted((f"x-amz-checksum-{name}", value) for name, value in checksums.items())
        # Raw, anonymous and header-signed, and a presigned SigV4 URL that signs the header.
        requests_ = {"anonymous": lambda method: (path, enabled),
                     "anonymous, the name capitalised": lambda method: (path, {"X-Amz-Checksum-Mode": "ENABLED"}),
                     "v4-header": lambda method: (path, v4_header_auth(site, method, path, extra=enabled)),
                     "v2-header": lambda method: (path, v2_header_auth(method, path, extra=enabled)),
                     "v4-presigned": lambda method: (presigned(site.owner, "get_object" if method == "GET" else "head_object",
                                                               bucket, key, ChecksumMode="ENABLED"), enabled)}
        for method, full in (("GET", full_gets), ("HEAD", full_heads)):
            before = site.full(method, path)
            answers = {kind: [site.fetch(method, *make(method)) for _ in range(3)] for kind, make in requests_.items()}
            done = site.full(method, path) - before
            full = 3 * len(requests_) if full is None else full
            assert done == full, (
                f"{key}: {done} of {3 * len(requests_)} {method}s with the header reached the S3 handler, not {full}")
            for kind, make in requests_.items():
                check_repeats(answers[kind], f"{key} {method} {kind}")
                first = answers[kind][0]
                assert (first.status, first.body) == (200, data if method == "GET" else b""), (key, kind, first)
                assert checksum_fields(first) == expected, (key, method, kind, first.headers)
                target, headers = make(method)
                assert_same(first, site.oracle(method, target, headers), f"{key} {method} {kind} with the header")
            # Without the header: the same answers but for the checksums.
            before = site.full(method, path)
            plain = [site.fetch(method, path) for _ in range(2)]
            assert site.full(method, path) - before == (2 if method == "GET" and key == "big" else 0), (key, method)
            assert checksum_fields(plain[0]) == [], (key, method, plain[0].headers)
            assert without_checksums(answers["anonymous"][0].comparable()[1]) == plain[0].comparable()[1], (key, method)
            assert_same(plain[0], site.oracle(method, path), f"{key} {method} without the header")
        # boto3 as it reads by default: GetObject with the header, the answer's checksum then
        # validated; HeadObject asked for checksums. The entry is there: all from the cache (the
        # HEAD first: a request sent the moment a streamed answer ended may be handed on).
        before = (site.full("GET", path), site.full("HEAD", path))
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        got = s3.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == data
        for answer in (got, head):
            sent_back = {name: answer.get(f"Checksum{name.upper()}") for name in ("crc32", "crc32c", "sha1", "sha256")}
            assert {name: value for name, value in sent_back.items() if value} == checksums, (key, answer)
        assert (site.full("GET", path), site.full("HEAD", path)) == (before[0] + (1 if key == "big" else 0), before[1]), key

    # Anything but one ENABLED: the full path, every time, and its answer.
    path = f"/{bucket}/crc32"
    for headers in ({"x-amz-checksum-mode": "enabled"}, {"x-amz-checksum-mode": "Enabled"}, {"x-amz-checksum-mode": "DISABLED"},
                    {"x-amz-checksum-mode": ""}, {"x-amz-checksum-mode": "ENABLED,ENABLED"},
                    [("x-amz-checksum-mode", "ENABLED"), ("x-amz-checksum-mode", "ENABLED")],
                    [("x-amz-checksum-mode", "ENABLED"), ("x-amz-checksum-mode", "enabled")],
                    [("X-Amz-Checksum-Mode", "ENABLED"), ("x-amz-checksum-mode", "")]):
        for method in ("GET", "HEAD"):
            before = site.full(method, path)
            answers = [site.fetch(method, path, headers) for _ in range(3)]
            assert site.full(method, path) - before == 3, f"{method} with {headers} was answered from the cache"
            check_repeats(answers, f"{method} {headers}")
            assert answers[0].status == 200
            assert_same(answers[0], site.oracle(method, path, headers), f"{method} {headers}")
    # The signature's refusals: the header unsigned (header-signed or presigned, where every
    # x-amz-* header must be signed), or signed and then left out, changed or given twice.
    signed_url = presigned(site.owner, "get_object", bucket, "crc32", ChecksumMode="ENABLED")
    unsigned = v4_header_auth(site, "GET", path)
    unsigned["x-amz-checksum-mode"] = "ENABLED"
    for what, target, headers, code in (
            ("an unsigned header", path, unsigned, "AccessDenied"),
            ("a SigV2 signature without it", path, {**v2_header_auth("GET", path), **enabled}, "SignatureDoesNotMatch"),
            ("a presigned URL not signing it", presigned(site.owner, "get_object", bucket, "crc32"), enabled, "AccessDenied"),
            ("a presigned URL signing it, without it", signed_url, {}, "AccessDenied"),
            ("a presigned URL signing it, changed", signed_url, {"x-amz-checksum-mode": "DISABLED"}, "SignatureDoesNotMatch"),
            ("a presigned URL signing it, twice", signed_url, [("x-amz-checksum-mode", "ENABLED")] * 2, "SignatureDoesNotMatch")):
        assert site.fetch("GET", signed_url, enabled).status == 200  # the URL is good, and remembered
        before = site.full("GET", path)
        answers = [site.fetch("GET", target, headers) for _ in range(2)]
        assert site.full("GET", path) - before == 2, f"{what}: answered from the cache"
        assert (answers[0].status, answers[0].code()) == (403, code), (what, answers[0])
        assert_same(answers[0], site.oracle("GET", target, headers), what)


# MARK: 2. a change shows in the very next answer


def check_changed(site, target, headers=(), method="GET"):
    """The answer to `target` right after a change, checked against the full path's."""
    answer = site.fetch(method, target, headers)
    assert_same(answer, site.oracle(method, target, headers), f"{method} {target} right after the change")
    return answer


def test_overwrites_show_at_once(site):
    bucket = site.bucket()
    key, path = "over", f"/{bucket}/over"
    s3 = site.owner
    s3.put_object(Bucket=bucket, Key=key, Body=b"generation 0", ACL="public-read", ContentType="text/zero")

    site.warm(path)
    s3.put_object(Bucket=bucket, Key=key, Body=b"generation 1", ACL="public-read", ContentType="text/one")
    answer = check_changed(site, path)
    assert (answer.body, answer.get("content-type")) == (b"generation 1", "text/one")
    assert answer.get("etag") == quoted_md5(b"generation 1")

    # CopyObject onto the key, from another key and onto itself with new metadata.
    s3.put_object(Bucket=bucket, Key="source", Body=b"copied generation 2")
    site.warm(path)
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": "source"}, ACL="public-read")
    assert check_changed(site, path).body == b"copied generation 2"
    site.warm(path)
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key}, ACL="public-read",
                   MetadataDirective="REPLACE", Metadata={"copied": "onto itself"}, ContentType="text/self")
    answer = check_changed(site, path)
    assert (answer.get("x-amz-meta-copied"), answer.get("content-type")) == ("onto itself", "text/self"), answer

    # A multipart upload completed onto the key.
    site.warm(path)
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ACL="public-read")["UploadId"]
    parts = [b"p" * (5 << 20), b"multipart tail"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=part)["ETag"]
             for number, part in enumerate(parts, 1)]
    site.warm(path)  # the upload in progress changes nothing yet
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    answer = check_changed(site, path)
    assert answer.body == b"".join(parts) and answer.get("etag").endswith('-2"'), answer.headers

    # A small object again (cacheable), then a browser form upload (POST) onto it.
    s3.put_object(Bucket=bucket, Key=key, Body=b"generation 4", ACL="public-read")
    site.warm(path)
    form = s3.generate_presigned_post(bucket, key, Fields={"acl": "public-read"}, Conditions=[{"acl": "public-read"}])
    posted = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", b"posted generation 5")}, timeout=30)
    assert posted.status_code == 204, posted.text
    assert check_changed(site, path).body == b"posted generation 5"

    # HEAD entries go stale the same way.
    site.warm(path, method="HEAD")
    s3.put_object(Bucket=bucket, Key=key, Body=b"generation six!", ACL="public-read")
    assert check_changed(site, path, method="HEAD").get("content-length") == "15"

    # Encrypted objects are never kept: SSE-S3 answers name their encryption, every time; an
    # SSE-C object read without its key is the full path's 400.
    site.warm(path)
    s3.put_object(Bucket=bucket, Key=key, Body=b"encrypted generation 7", ACL="public-read", ServerSideEncryption="AES256")
    before = site.full("GET", path)
    answers = [check_changed(site, path) for _ in range(3)]
    assert site.full("GET", path) - before == 6, "an SSE-S3 answer was given from the cache"
    check_repeats(answers, "SSE-S3")
    assert (answers[0].body, answers[0].get("x-amz-server-side-encryption")) == (b"encrypted generation 7", "AES256")
    s3.put_object(Bucket=bucket, Key=key, Body=b"generation 8", ACL="public-read")
    site.warm(path)
    s3.put_object(Bucket=bucket, Key=key, Body=b"customer-encrypted generation 9", ACL="public-read",
                  SSECustomerAlgorithm="AES256", SSECustomerKey=bytes(range(32)))
    answer = check_changed(site, path)
    assert (answer.status, answer.code()) == (400, "InvalidRequest"), answer
    assert site.fetch("GET", path).status == 400


def test_deletes_show_at_once(site):
    bucket = site.bucket()
    s3 = site.owner
    for key in ("deleted", "multi-deleted"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"soon gone", ACL="public-read")
    path = f"/{bucket}/deleted"
    site.warm(path)
    owner_headers = lambda: v4_header_auth(site, "GET", path)  # noqa: E731
    site.warm(path, owner_headers())
    s3.delete_object(Bucket=bucket, Key="deleted")
    # Anonymous may not list the bucket: 403; the owner may: 404 NoSuchKey.
    answer = check_changed(site, path)
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    answer = site.fetch("GET", path, owner_headers())
    assert (answer.status, answer.code()) == (404, "NoSuchKey"), answer
    check_changed(site, path, method="HEAD")

    path = f"/{bucket}/multi-deleted"
    site.warm(path)
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "multi-deleted"}]})
    assert check_changed(site, path).status == 403


def test_version_changes_show_at_once(site):
    bucket = site.bucket(versioned=True)
    s3 = site.owner
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"version one", ACL="public-read")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"version two", ACL="public-read")["VersionId"]
    path = f"/{bucket}/k"
    assert site.warm(path).get("x-amz-version-id") == second
    # Deleting the current version makes the one before it current.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=second)
    answer = check_changed(site, path)
    assert (answer.body, answer.get("x-amz-version-id")) == (b"version one", first), answer
    # A plain delete puts a delete marker on top: the owner gets 404 with x-amz-delete-marker.
    site.warm(path)
    s3.delete_object(Bucket=bucket, Key="k")
    headers = v4_header_auth(site, "GET", path)
    answer = site.fetch("GET", path, headers)
    assert (answer.status, answer.code(), answer.get("x-amz-delete-marker")) == (404, "NoSuchKey", "true"), answer
    assert check_changed(site, path).status == 403
    # Removing the marker brings the version back.
    marker = s3.list_object_versions(Bucket=bucket, Prefix="k")["DeleteMarkers"][0]["VersionId"]
    s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert check_changed(site, path).body == b"version one"


def test_acl_changes_show_at_once(site):
    bucket = site.bucket()
    s3 = site.owner
    s3.put_object(Bucket=bucket, Key="k", Body=b"acl body", ACL="public-read")
    path = f"/{bucket}/k"
    site.warm(path)
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    answer = check_changed(site, path)
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    # The owner's cached reads still work, and back to public-read opens it again.
    site.warm(path, v4_header_auth(site, "GET", path))
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    assert check_changed(site, path).body == b"acl body"

    # Another user granted READ reads through a presigned URL (remembered once verified), and
    # loses it the moment the grant goes.
    s3.put_object_acl(Bucket=bucket, Key="k", GrantRead=f'id="{site.ids["other"]}"', GrantFullControl=f'id="{site.ids["owner"]}"')
    theirs = presigned(site.other, "get_object", bucket, "k")
    site.warm(theirs)
    assert site.warm(theirs).body == b"acl body"
    anonymous = site.fetch("GET", path)
    assert (anonymous.status, anonymous.code()) == (403, "AccessDenied")
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="private")
    answer = check_changed(site, theirs)
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer

    # authenticated-read: any signer, no anonymous caller.
    s3.put_object_acl(Bucket=bucket, Key="k", ACL="authenticated-read")
    theirs_header = lambda: v4_header_auth(site, "GET", path, keys=OTHER)  # noqa: E731
    site.warm(path, theirs_header())
    answer = site.fetch("GET", path, theirs_header())
    assert answer.body == b"acl body"
    assert site.fetch("GET", path).status == 403


def test_tag_changes_show_at_once(site):
    bucket = site.bucket()
    s3 = site.owner
    s3.put_object(Bucket=bucket, Key="k", Body=b"tagged", ACL="public-read")
    path = f"/{bucket}/k"
    assert site.warm(path).get("x-amz-tagging-count") is None
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
    assert check_changed(site, path).get("x-amz-tagging-count") == "1"
    site.warm(path)
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": k, "Value": "v"} for k in "abc"]})
    assert check_changed(site, path).get("x-amz-tagging-count") == "3"
    site.warm(path, method="HEAD")
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert check_changed(site, path, method="HEAD").get("x-amz-tagging-count") is None


def test_bucket_changes_show_at_once(site):
    bucket = site.bucket()
    s3 = site.owner
    s3.put_object(Bucket=bucket, Key="k", Body=b"in a bucket that changes", ACL="public-read")
    path = f"/{bucket}/k"

    # Versioning enabled: the full path now names the object's version, "null".
    assert site.warm(path).get("x-amz-version-id") is None
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    answer = check_changed(site, path)
    assert answer.get("x-amz-version-id") == "null", answer.headers
    site.warm(path)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert check_changed(site, path).get("x-amz-version-id") == "null"

    # A lifecycle rule that matches: x-amz-expiration appears (and the answer is the full path's
    # from then on); removed, it goes.
    site.warm(path)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "expire everything", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})
    answer = check_changed(site, path)
    assert 'rule-id="expire%20everything"' in (answer.get("x-amz-expiration") or ""), answer.headers
    assert check_changed(site, path).get("x-amz-expiration") == answer.get("x-amz-expiration")
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert check_changed(site, path).get("x-amz-expiration") is None

    # Bucket ACL and CORS changes: the answers stay the full path's.
    site.warm(path)
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    check_changed(site, path)
    site.warm(path)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})
    check_changed(site, path)

    # The bucket deleted and made again, with the same key holding other bytes, now private.
    site.warm(path)
    site.warm(path, v2_header_auth("GET", path))
    versions = s3.list_object_versions(Bucket=bucket)
    for version in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)
    gone = check_changed(site, path)
    assert (gone.status, gone.code()) == (404, "NoSuchBucket"), gone
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"a new bucket's object")
    answer = check_changed(site, path)
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    answer = check_changed(site, path, v2_header_auth("GET", path))
    assert answer.body == b"a new bucket's object" and answer.get("x-amz-version-id") is None


# MARK: 3. authentication of cached answers


def test_presigned_signatures_are_checked_on_cached_answers(site):
    bucket = site.bucket()
    site.owner.put_object(Bucket=bucket, Key="secret", Body=b"owner only")
    path = f"/{bucket}/secret"
    for client, name in ((site.owner, "X-Amz-Signature"), (site.owner_v2, "Signature")):
        good = presigned(client, "get_object", bucket, "secret")
        # The PUT kept the answer: three reads, the fast path verifying, then remembering.
        before = site.full("GET", path)
        assert [site.fetch("GET", good).body for _ in range(3)] == [b"owner only"] * 3
        assert site.full("GET", path) == before, f"{name}: the owner's URL was not answered from the cache"

        bad = tampered(good, name)
        assert len(bad) == len(good) and bad != good
        answer = site.fetch("GET", bad)
        assert (answer.status, answer.code()) == (403, "SignatureDoesNotMatch"), answer
        # One character short, and the signature given twice (the good one and a bad one).
        value = re.search(rf"[?&]{name}=([^&]*)", good).group(1)
        short = good.replace(f"{name}={value}", f"{name}={value[:-1]}")
        answer = site.fetch("GET", short)
        assert answer.status in (400, 403), answer
        assert_same(answer, site.oracle("GET", short), f"{name} one character short")
        for twice in (f"{good}&{name}={value}", f"{bad}&{name}={value}", f"{good}&{name}={value[:-1]}"):
            assert_same(site.fetch("GET", twice), site.oracle("GET", twice), f"{name} given twice")
        # The same signature on a longer expiry, on another key, for HEAD.
        longer = re.sub(r"(X-Amz-Expires|Expires)=(\d+)", lambda m: f"{m.group(1)}={int(m.group(2)) + 1}", good, count=1)
        assert site.fetch("GET", longer).status == 403
        other_key = good.replace("/secret?", "/secret2?")
        site.owner.put_object(Bucket=bucket, Key="secret2", Body=b"other")
        assert site.fetch("GET", other_key).status == 403
        assert site.fetch("HEAD", good).status == 403
        head_url = presigned(client, "head_object", bucket, "secret")
        for _ in range(3):
            assert site.fetch("HEAD", head_url).status == 200
        assert site.fetch("GET", head_url).status == 403
        # The signature moved to the front of the query: still the same request, still signed.
        query = good.split("?", 1)[1].split("&")
        moved = [p for p in query if p.startswith(name + "=")] + [p for p in query if not p.startswith(name + "=")]
        moved_target = f"{path}?{'&'.join(moved)}"
        expected = site.oracle("GET", moved_target)
        assert expected.status == 200
        for _ in range(3):
            assert_same(site.fetch("GET", moved_target), expected, f"{name} moved")
        moved_bad = f"{path}?{'&'.join([tampered('?' + moved[0], name)[1:]] + moved[1:])}"
        assert site.fetch("GET", moved_bad).status == 403
        # An unknown parameter added after signing.
        answer = site.fetch("GET", good + "&x-id=GetObject")
        assert_same(answer, site.oracle("GET", good + "&x-id=GetObject"), "an added parameter")
        # Still the owner's: the good URL reads on.
        assert site.fetch("GET", good).body == b"owner only"


def test_headers_added_to_a_cached_presigned_url(site):
    bucket = site.bucket()
    site.owner.put_object(Bucket=bucket, Key="k", Body=b"headers body")
    good = presigned(site.owner, "get_object", bucket, "k")
    for _ in range(3):
        assert site.fetch("GET", good).status == 200
    # An unsigned x-amz-* header is refused as the full path refuses it, neutral ones included.
    for extra in ({"x-amz-meta-added": "1"}, {"x-amz-date": rawhttp.amz_now()}, {"x-amz-content-sha256": rawhttp.EMPTY_SHA256},
                  {"x-amz-security-token": "token"}):
        answer = site.fetch("GET", good, extra)
        assert_same(answer, site.oracle("GET", good, extra), f"presigned URL with {extra}")
        assert (answer.status, answer.code()) == (403, "AccessDenied"), (extra, answer)
    answer = site.fetch("GET", good, {"x-amz-meta-added": "1"})
    assert answer.message() == "There were headers present in the request which were not signed", answer
    # Another Host: the signature covers it.
    for host in (f"localhost:{site.port}", f"127.0.0.1:{site.port + 1}"):
        answer = site.fetch("GET", good, {"Host": host})
        assert (answer.status, answer.code()) == (403, "SignatureDoesNotMatch"), (host, answer)
    # An Authorization header beside the presigned query.
    extra = v4_header_auth(site, "GET", f"/{bucket}/k")
    extra.pop("host")
    assert_same(site.fetch("GET", good, extra), site.oracle("GET", good, extra), "Authorization beside a presigned query")
    # Harmless neutral headers change nothing.
    neutral = {"User-Agent": "fast-read-test", "Accept": "*/*", "Accept-Language": "fr"}
    assert_same(site.fetch("GET", good, neutral), site.oracle("GET", good, neutral), "neutral headers")


def test_another_users_presigned_url_is_refused_while_the_owners_is_cached(site):
    bucket = site.bucket()
    site.owner.put_object(Bucket=bucket, Key="private", Body=b"the owner's")
    path = f"/{bucket}/private"
    mine = presigned(site.owner, "get_object", bucket, "private")
    for _ in range(3):
        assert site.fetch("GET", mine).body == b"the owner's"
    theirs = presigned(site.other, "get_object", bucket, "private")
    theirs_v2 = presigned(make_client(site.server, OTHER, "s3"), "get_object", bucket, "private")
    for target in (theirs, theirs, theirs_v2, theirs_v2):
        answer = site.fetch("GET", target)
        assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    for headers in (v4_header_auth(site, "GET", path, keys=OTHER), v2_header_auth("GET", path, keys=OTHER), {}):
        answer = site.fetch("GET", path, headers)
        assert (answer.status, answer.code()) == (403, "AccessDenied"), (headers, answer)
    # The owner's URL with the other user's access key: not the other user's signature.
    swapped = mine.replace(urllib.parse.quote(OWNER[0]), urllib.parse.quote(OTHER[0]))
    assert swapped != mine
    assert site.fetch("GET", swapped).status == 403
    assert site.fetch("GET", mine).body == b"the owner's"


def test_header_signatures_are_checked_on_cached_answers(site):
    bucket = site.bucket()
    site.owner.put_object(Bucket=bucket, Key="k", Body=b"header body")
    path = f"/{bucket}/k"
    site.warm(path, v4_header_auth(site, "GET", path))
    site.warm(path, v2_header_auth("GET", path))
    wrong = v4_header_auth(site, "GET", path, keys=(OWNER[0], "not-the-secret-key-at-all"))
    assert (site.fetch("GET", path, wrong).code()) == "SignatureDoesNotMatch"
    wrong = v2_header_auth("GET", path, keys=(OWNER[0], "not-the-secret-key-at-all"))
    assert (site.fetch("GET", path, wrong).code()) == "SignatureDoesNotMatch"
    stale = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")
    answer = site.fetch("GET", path, v4_header_auth(site, "GET", path, amz_date=stale))
    assert (answer.status, answer.code()) == (403, "RequestTimeTooSkewed"), answer
    unsigned = v4_header_auth(site, "GET", path)
    unsigned["x-amz-meta-unsigned"] = "1"
    answer = site.fetch("GET", path, unsigned)
    assert (answer.status, answer.code()) == (403, "AccessDenied"), answer
    # A different signed payload hash or STREAMING value: whatever the full path says.
    for payload in ("UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", hashlib.sha256(b"abc").hexdigest()):
        headers = v4_header_auth(site, "GET", path, payload_hash=payload)
        assert_same(site.fetch("GET", path, headers), site.oracle("GET", path, headers), f"payload hash {payload}")
    assert site.fetch("GET", path).status == 403


def test_expired_presigned_urls_are_refused_though_remembered(site):
    bucket = site.bucket()
    site.owner.put_object(Bucket=bucket, Key="short-lived", Body=b"briefly")
    path = f"/{bucket}/short-lived"
    # Hand-made, so the expiry is exactly known: SigV4 X-Amz-Expires=3, SigV2 Expires=now+3.
    amz_date = rawhttp.amz_now()
    issued = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    items = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), ("X-Amz-Credential", f"{OWNER[0]}/{amz_date[:8]}/{REGION}/s3/aws4_request"),
             ("X-Amz-Date", amz_date), ("X-Amz-Expires", "3"), ("X-Amz-SignedHeaders", "host")]
    signature = rawhttp.v4_signature("GET", path, items, {"host": site.host}, ["host"], "UNSIGNED-PAYLOAD", amz_date,
                                     secret=OWNER[1])
    v4 = f"{path}?{rawhttp.canonical_query(items + [('X-Amz-Signature', signature)])}"
    expires = int(issued) + 3
    v2_signature = base64.b64encode(
        hmac.new(OWNER[1].encode(), f"GET\n\n\n{expires}\n{path}".encode(), hashlib.sha1).digest()).decode()
    v2_query = [("AWSAccessKeyId", OWNER[0]), ("Expires", str(expires)), ("Signature", v2_signature)]
    v2 = f"{path}?{rawhttp.canonical_query(v2_query)}"
    before = site.full("GET", path)
    for target in (v4, v2):
        # The PUT kept the answer: verified by the fast path, then remembered.
        for _ in range(3):
            answer = site.fetch("GET", target)
            assert (answer.status, answer.body) == (200, b"briefly"), answer
    assert time.time() < issued + 3, "the machine is too slow for this test: the URLs expired while being read"
    assert site.full("GET", path) == before, "the presigned reads were not answered from the cache"
    time.sleep(max(0.0, issued + 4.2 - time.time()))
    for target, parameter in ((v4, "X-Amz-Expires"), (v2, "Expires")):
        answer = site.fetch("GET", target)
        assert (answer.status, answer.code(), answer.message()) == (403, "AccessDenied", "Request has expired"), answer
        assert_same(answer, site.oracle("GET", target), f"expired {parameter}")
        assert site.fetch("HEAD", target).status == 403


# MARK: 4. non-plain requests on a warm key


def test_non_plain_requests_get_the_full_paths_answer_and_leave_none_behind(site):
    bucket = site.bucket(versioned=True)
    s3 = site.owner
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"the older version", ACL="public-read")["VersionId"]
    body = b"0123456789 the newest version"
    s3.put_object(Bucket=bucket, Key="k", Body=body, ACL="public-read", ContentType="text/plain", ChecksumAlgorithm="SHA256")
    # After the PUTs: a change of the bucket empties the cache, so the first request below meets
    # a cold key (the PUT kept its answer).
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["https://allowed.example"], "AllowedMethods": ["GET", "HEAD"], "ExposeHeaders": ["ETag"]}]})
    path = f"/{bucket}/k"
    etag = quoted_md5(body)
    later = email.utils.formatdate(time.time() + 3600, usegmt=True)
    earlier = email.utils.formatdate(time.time() - 86400, usegmt=True)

    def requests_():
        return {
            "range": ("GET", path, {"Range": "bytes=2-5"}),
            "head range": ("HEAD", path, {"Range": "bytes=2-5"}),
            "suffix range": ("GET", path, {"Range": "bytes=-3"}),
            "bad range": ("GET", path, {"Range": "bytes=100-200"}),
            "if-none-match": ("GET", path, {"If-None-Match": etag}),
            "if-match mismatch": ("GET", path, {"If-Match": '"0000"'}),
            "if-modified-since": ("GET", path, {"If-Modified-Since": later}),
            "if-unmodified-since": ("HEAD", path, {"If-Unmodified-Since": earlier}),
            "override": ("GET", presigned(s3, "get_object", bucket, "k", ResponseContentType="image/x-override",
                                          ResponseContentDisposition="inline; filename=o"), {}),
            "anonymous override": ("GET", f"{path}?response-content-type=image/x-override", {}),
            "origin": ("GET", path, {"Origin": "https://allowed.example"}),
            "other origin": ("GET", path, {"Origin": "https://denied.example"}),
            # Only ENABLED, given once, asks for checksums (and is answered from the cache).
            "checksum mode lower case": ("GET", path,
                                         v4_header_auth(site, "GET", path, extra={"x-amz-checksum-mode": "enabled"})),
            "checksum mode twice": ("GET", path, [("x-amz-checksum-mode", "ENABLED"), ("x-amz-checksum-mode", "ENABLED")]),
            "checksum mode disabled": ("HEAD", path, {"x-amz-checksum-mode": "DISABLED"}),
            "checksum mode empty": ("GET", path, {"x-amz-checksum-mode": ""}),
            "version": ("GET", f"{path}?versionId={old}", {}),
            "part": ("GET", f"{path}?partNumber=1", {}),
            "acl": ("GET", f"{path}?acl", v4_header_auth(site, "GET", path, query=[("acl", "")])),
            "tagging": ("GET", f"{path}?tagging", v4_header_auth(site, "GET", path, query=[("tagging", "")])),
            "attributes": ("GET", f"{path}?attributes", v4_header_auth(site, "GET", path, query=[("attributes", "")],
                                                                         extra={"x-amz-object-attributes": "ETag"})),
            "expect": ("GET", path, {"Expect": "100-continue"}),
            "unknown header": ("GET", path, {"X-Something": "else"}),
        }

    def ask(kind):
        method, target, headers = requests_()[kind]
        before = site.full(method, path)
        answer = site.fetch(method, target, headers)
        assert site.full(method, path) == before + 1, f"{kind}: not answered by the S3 handler"
        return answer

    def check_plain():
        answer = site.fetch("GET", path)
        assert (answer.status, answer.body, answer.get("content-type")) == (200, body, "text/plain"), answer
        assert answer.get("content-range") is None and answer.get("access-control-allow-origin") is None
        assert answer.get("x-amz-checksum-sha256") is None
        return answer

    # Cold: every kind once; none leaves its answer for a plain read.
    cold = {}
    for number, kind in enumerate(requests_()):
        cold[kind] = ask(kind)
        before = site.full("GET", path)
        check_plain()
        if number == 0:
            assert site.full("GET", path) == before + 1, "the key's answer outlived the change of its bucket"
        assert_same(check_plain(), site.oracle("GET", path), f"a plain GET after {kind}")
    # What each is (the full path's answers, checked once).
    assert (cold["range"].status, cold["range"].body) == (206, b"2345")
    assert cold["range"].get("content-range") == f"bytes 2-5/{len(body)}"
    assert (cold["head range"].status, cold["head range"].get("content-length")) == (206, "4")
    assert cold["suffix range"].body == body[-3:]
    assert (cold["bad range"].status, cold["bad range"].code()) == (416, "InvalidRange")
    assert (cold["if-none-match"].status, cold["if-none-match"].body) == (304, b"")
    assert (cold["if-match mismatch"].status, cold["if-match mismatch"].code()) == (412, "PreconditionFailed")
    assert cold["if-modified-since"].status == 304
    assert cold["if-unmodified-since"].status == 412
    assert cold["override"].get("content-type") == "image/x-override"
    assert cold["override"].get("content-disposition") == "inline; filename=o"
    assert (cold["anonymous override"].status, cold["anonymous override"].code()) == (400, "InvalidRequest")
    assert cold["origin"].get("access-control-allow-origin") == "https://allowed.example", cold["origin"].headers
    assert cold["other origin"].get("access-control-allow-origin") is None
    for kind in ("checksum mode lower case", "checksum mode twice", "checksum mode disabled", "checksum mode empty"):
        assert (cold[kind].status, cold[kind].get("x-amz-checksum-sha256")) == (200, None), (kind, cold[kind])
    assert (cold["version"].body, cold["version"].get("x-amz-version-id")) == (b"the older version", old)
    assert b"<AccessControlPolicy" in cold["acl"].body and b"<Tagging" in cold["tagging"].body, (cold["acl"], cold["tagging"])
    assert cold["attributes"].body.count(b"<ETag>") == 1
    assert (cold["unknown header"].status, cold["unknown header"].body) == (200, body)

    # Warm: the same answers, still from the full path; the plain read stays cached and whole.
    site.warm(path)
    for kind in requests_():
        assert_same(ask(kind), cold[kind], f"{kind} on a warm key")
        before = site.full("GET", path)
        check_plain()
        assert site.full("GET", path) == before, f"the plain GET after {kind} was not answered from the cache"


# MARK: addressing


def test_the_key_is_the_key_however_it_is_spelled(site):
    bucket = site.bucket()
    s3 = site.owner
    s3.put_object(Bucket=bucket, Key="a b+c", Body=b"spaced plus", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="a+b+c", Body=b"all plus", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="dir/x?y", Body=b"question", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="caf\u00e9", Body=b"accent", ACL="public-read")
    site.warm(f"/{bucket}/a%20b%2Bc")
    site.warm(f"/{bucket}/dir/x%3Fy")
    site.warm(f"/{bucket}/caf%C3%A9")
    expected = {
        f"/{bucket}/a%20b%2Bc": b"spaced plus",
        f"/{bucket}/a%20b%2bc": b"spaced plus",
        f"/{bucket}/a%20b+c": b"spaced plus",
        f"/{bucket}/a+b+c": b"all plus",
        f"/{bucket}/a+b%2Bc": b"all plus",
        f"/{bucket}/dir/x%3Fy": b"question",
        f"/{bucket}/dir/x%3fy": b"question",
        f"/{bucket}/caf%C3%A9": b"accent",
        f"/{bucket}/caf%c3%a9": b"accent",
        f"/{bucket}/dir/x": None,
        f"/{bucket}/dir%2Fx%3Fy": None,
        f"/{bucket}/a%20b": None,
        f"/{bucket}/caf%C3": None,
        f"/{bucket}//a%20b%2Bc": None,
        f"/{bucket}/./a%20b%2Bc": None,
        f"/{bucket}/a%20b%2Bc?": b"spaced plus",
    }
    for target, body in expected.items():
        for _ in range(2):
            answer = site.fetch("GET", target)
            assert_same(answer, site.oracle("GET", target), target)
            if body is not None:
                assert answer.body == body, (target, answer)
            assert_same(site.fetch("GET", target), answer, f"{target} again")
    # Virtual-host style under --domain localhost: the same object, and no other.
    for host, target, body in ((f"{bucket}.localhost:{site.port}", "/a%20b%2Bc", b"spaced plus"),
                               (f"{bucket}.localhost:{site.port}", f"/{bucket}/a%20b%2Bc", None),
                               (f"other-{bucket}.localhost:{site.port}", "/a%20b%2Bc", None),
                               (f"localhost:{site.port}", f"/{bucket}/a%20b%2Bc", b"spaced plus")):
        for _ in range(3):
            answer = site.fetch("GET", target, {"Host": host})
            assert_same(answer, site.oracle("GET", target, {"Host": host}), f"{host} {target}")
            if body is not None:
                assert answer.body == body
            else:
                assert answer.status in (403, 404), (host, target, answer)
    # Absolute-form targets, and odd half-presigned queries on a public object.
    targets = [f"http://{site.host}/{bucket}/a%20b%2Bc", f"/{bucket}/a%20b%2Bc?Expires=1", f"/{bucket}/a%20b%2Bc?X-Amz-Expires=5",
               f"/{bucket}/a%20b%2Bc?Signature=abc", f"/{bucket}/a%20b%2Bc?X-Amz-Signature=abc",
               f"/{bucket}/a%20b%2Bc?AWSAccessKeyId={OWNER[0]}", f"/{bucket}/a%20b%2Bc?X-Amz-Algorithm=AWS4-HMAC-SHA256",
               f"/{bucket}/a%20b%2Bc?x-amz-signature=abc", f"/{bucket}/a%20b%2Bc?X-Amz-Signatur%65=abc",
               f"/{bucket}/a%20b%2Bc#fragment", f"/{bucket}/a%20b%2Bc?acl", f"/{bucket}/a%20b%2Bc?uploads"]
    for target in targets:
        for method in ("GET", "HEAD"):
            answers = [site.fetch(method, target) for _ in range(3)]
            expected_answer = site.oracle(method, target)
            for answer in answers:
                assert_same(answer, expected_answer, f"{method} {target}")


# MARK: 5. the connection


def test_http10_and_connection_close_on_cached_keys(site):
    bucket = site.bucket(acl="public-read")
    site.owner.put_object(Bucket=bucket, Key="k", Body=b"persistent", ACL="public-read")
    path = f"/{bucket}/k"
    expected = site.warm(path)
    # HTTP/1.0 without keep-alive: the answer, then the end of the connection.
    with Connection(site.port) as connection:
        connection.send(request_bytes("GET", path, host=site.host, version="HTTP/1.0"))
        answer = connection.answer("GET")
        assert (answer.version, answer.body, answer.get("connection")) == ("HTTP/1.0", b"persistent", "close"), answer
        assert connection.ends_within(3), "HTTP/1.0 without keep-alive: the connection stayed open"
        assert connection.buffer == b""
    # HTTP/1.0 with keep-alive: several answers, each from the cache, on one connection.
    before = site.full("GET", path)
    with Connection(site.port) as connection:
        for method in ("GET", "HEAD", "GET"):
            connection.send(request_bytes(method, path, [("Connection", "keep-alive")], host=site.host, version="HTTP/1.0"))
            answer = connection.answer(method)
            assert (answer.version, answer.get("connection")) == ("HTTP/1.0", "keep-alive"), answer
            assert answer.body == (b"persistent" if method == "GET" else b"")
            # The cache's answer, framed for HTTP/1.0: only Connection is added.
            assert [field for field in answer.comparable()[1] if field[0].lower() != "connection"] == expected.comparable()[1]
        assert site.full("GET", path) == before, "HTTP/1.0 keep-alive reads were not answered from the cache"
        assert not connection.ends_within(0.5)
    # HTTP/1.1 Connection: close.
    for value in ("close", "Close", "keep-alive, close"):
        with Connection(site.port) as connection:
            connection.send(request_bytes("GET", path, [("Connection", value)], host=site.host))
            answer = connection.answer("GET")
            assert (answer.body, answer.get("connection")) == (b"persistent", "close"), (value, answer)
            assert connection.ends_within(3), f"Connection: {value}: the connection stayed open"
    # HTTP/1.1 without it: kept.
    with Connection(site.port) as connection:
        for _ in range(3):
            connection.send(request_bytes("GET", path, host=site.host))
            assert connection.answer("GET").body == b"persistent"
        assert not connection.ends_within(0.5)


def test_pipelined_requests_are_answered_in_order(site):
    bucket = site.bucket(acl="public-read")
    s3 = site.owner
    # PUTs keep their answers; copies keep none, so the first read of a copy takes the full path.
    for key in ("cached", "cached-too", "written"):
        s3.put_object(Bucket=bucket, Key=key, Body=f"body of {key}".encode(), ACL="public-read")
        site.warm(f"/{bucket}/{key}")
    for key in ("cold", "cold-2"):
        s3.put_object(Bucket=bucket, Key=f"source of {key}", Body=f"body of {key}".encode())
        s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": f"source of {key}"}, ACL="public-read")
    missing = f"/{bucket}/missing"

    def pipeline(requests_list):
        """Sends every request in one write; returns the answers, read in order."""
        data = b"".join(request_bytes(method, target, headers, host=site.host, body=body)
                        for method, target, headers, body in requests_list)
        with Connection(site.port) as connection:
            connection.send(data)
            answers = [connection.answer(method) for method, _, _, _ in requests_list]
            # The connection is still usable afterwards.
            connection.send(request_bytes("GET", f"/{bucket}/cached", host=site.host))
            assert connection.answer("GET").body == b"body of cached"
        return answers

    g = lambda key: ("GET", f"/{bucket}/{key}", (), b"")  # noqa: E731
    answers = pipeline([g("cold"), g("cached"), ("GET", missing, (), b""), g("cached")])
    assert [(a.status, a.body[:40]) for a in answers[:2]] == [(200, b"body of cold"), (200, b"body of cached")], answers
    assert (answers[2].status, answers[2].code()) == (404, "NoSuchKey"), answers[2]
    assert (answers[3].status, answers[3].body) == (200, b"body of cached")
    assert site.full("GET", f"/{bucket}/cold") == 1, "a copy's answer was kept as it was written"

    head = ("HEAD", f"/{bucket}/cached", (), b"")
    answers = pipeline([g("cached"), g("cached-too"), g("cold-2"), g("cached"), head, g("cached-too")])
    assert [a.body for a in answers] == [b"body of cached", b"body of cached-too", b"body of cold-2", b"body of cached", b"",
                                         b"body of cached-too"], answers
    assert answers[4].get("content-length") == str(len(b"body of cached"))

    answers = pipeline([("HEAD", f"/{bucket}/cached", (), b""), g("cached")] * 10)
    assert [a.body for a in answers] == [b"", b"body of cached"] * 10

    # A streamed answer (more than 64 KiB, never cached) ahead of cached ones.
    big = os.urandom((256 << 10) + 1)
    s3.put_object(Bucket=bucket, Key="big", Body=big, ACL="public-read")
    answers = pipeline([g("big"), g("cached"), ("HEAD", f"/{bucket}/big", (), b""), g("cached"), g("big"), g("cached-too")])
    assert [a.body for a in answers] == [big, b"body of cached", b"", b"body of cached", big, b"body of cached-too"]
    assert answers[2].get("content-length") == str(len(big))

    # A write inside the pipeline: the reads after it see it.
    new = b"written in the pipeline"
    put_path = f"/{bucket}/written"
    put_headers = v4_header_auth(site, "PUT", put_path, extra={"x-amz-acl": "public-read"},
                                 payload_hash=hashlib.sha256(new).hexdigest())
    put_headers["Content-Length"] = str(len(new))
    answers = pipeline([g("written"), ("PUT", put_path, put_headers, new), g("written"), g("cached"), g("written")])
    assert [a.status for a in answers] == [200] * 5, answers
    assert [a.body for a in answers] == [b"body of written", answers[1].body, new, b"body of cached", new], answers


# MARK: 6. the idle timeout


def test_cached_reads_count_as_activity_for_the_idle_timeout(tmp_path_factory):
    server = start_server(tmp_path_factory, "fast-idle", "--idle-timeout", "2")
    try:
        s3 = make_client(server, OWNER)
        s3.create_bucket(Bucket="idle")
        s3.put_object(Bucket="idle", Key="k", Body=b"busy", ACL="public-read")
        host = f"127.0.0.1:{server.port}"
        with Connection(server.port) as connection:
            started = time.monotonic()
            reads = 0
            while time.monotonic() - started < 6:
                connection.send(request_bytes("GET", "/idle/k", host=host))
                answer = connection.answer("GET")
                assert answer.body == b"busy", f"closed after {time.monotonic() - started:.1f} s of activity"
                # Each answer's own Date, even six seconds after the one that filled the cache.
                now = datetime.datetime.now(datetime.timezone.utc)
                skew = (email.utils.parsedate_to_datetime(answer.get("date")) - now).total_seconds()
                assert -2 < skew < 1, f"Date {answer.get('date')} is {skew:.1f} s off"
                reads += 1
                time.sleep(0.3)
            quiet = time.monotonic()
            assert connection.ends_within(4.5), "the idle connection was not closed"
            assert time.monotonic() - quiet > 1.0, "closed before the idle timeout"
        # The PUT kept the answer: not even the first read reached the S3 handler.
        count = handled(server, "GET", "/idle/k")
        assert count == 0, f"{count} of {reads} reads reached the S3 handler"
    finally:
        server.stop()


# MARK: 6b. back-pressure


def resident_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def test_a_client_that_sends_without_reading_does_not_make_the_server_buffer(tmp_path_factory):
    """Back-pressure: a client pipelines thousands of GETs of a cached object and reads nothing
    for 3 s. While its connection cannot take more output, its requests go to the full path,
    whose writes wait, so the server does not pile up answers in memory; then every answer
    arrives, whole and in order, and the server serves on.

    The cached body is one shared buffer, so an answer buffered costs the server only its
    encoded head: the object carries about 10 KB of headers, which makes the answers to these
    5,000 requests take some 60 MiB when buffered without bound (as a server answering on the
    event loop whatever the connection's state does: measured so), against under 2 MiB held
    with back-pressure. (The debug build's full path takes a couple of milliseconds a request:
    more requests would only make the test slower.)"""
    server = start_server(tmp_path_factory, "fast-pressure")
    try:
        s3 = make_client(server, OWNER)
        s3.create_bucket(Bucket="pressure")
        body = os.urandom(4096)
        heavy = {"Metadata": {f"field-{number:02d}": "m" * 88 for number in range(20)},
                 "ContentDisposition": "attachment; filename=" + "d" * 8000}
        s3.put_object(Bucket="pressure", Key="k", Body=body, ACL="public-read", **heavy)
        s3.put_object(Bucket="pressure", Key="marker", Body=b"the marker", ACL="public-read")
        host = f"127.0.0.1:{server.port}"
        # Both are cached (their PUTs kept them; checked, so that what follows is about the
        # connection, not the cache).
        with Connection(server.port) as connection:
            for method, key in (("GET", "k"), ("HEAD", "k"), ("GET", "marker")):
                for _ in range(3):
                    before = handled(server, method, f"/pressure/{key}")
                    connection.send(request_bytes(method, f"/pressure/{key}", host=host))
                    assert connection.answer(method).status == 200
                    if handled(server, method, f"/pressure/{key}") == before:
                        break
                else:
                    raise AssertionError(f"{method} /pressure/{key} is never answered from the cache")
        count = 5000
        plan = [("GET", "marker") if number % 50 == 7 else ("HEAD", "k") if number % 10 == 3 else ("GET", "k")
                for number in range(count)]
        data = b"".join(request_bytes(method, f"/pressure/{key}", host=host) for method, key in plan)
        pid = server.process.pid
        baseline = resident_bytes(pid)

        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(60)
        sock.connect(("127.0.0.1", server.port))
        failures = []

        def send():
            try:
                sock.sendall(data)
            except OSError as error:
                failures.append(error)

        sender = threading.Thread(target=send)
        sender.start()
        peak = baseline
        started = time.monotonic()
        while time.monotonic() - started < 3:
            peak = max(peak, resident_bytes(pid))
            time.sleep(0.02)
        grown = (peak - baseline) / (1 << 20)
        assert grown < 16, f"the server's memory grew by {grown:.0f} MiB while the client read nothing"

        connection = Connection.__new__(Connection)
        connection.sock, connection.buffer = sock, b""
        try:
            for number, (method, key) in enumerate(plan):
                answer = connection.answer(method)
                expected = body if key == "k" else b"the marker"
                assert answer.status == 200, (number, answer)
                assert answer.get("content-length") == str(len(expected)), (number, method, key, answer.headers)
                assert answer.body == (expected if method == "GET" else b""), (number, method, key, answer.body[:40])
                assert answer.get("etag") == quoted_md5(expected), (number, answer.get("etag"))
            sender.join(timeout=30)
            assert not sender.is_alive() and not failures, failures
            # The connection serves on.
            connection.send(request_bytes("GET", "/pressure/marker", host=host))
            assert connection.answer("GET").body == b"the marker"
        finally:
            connection.close()
        # Back-pressure sent some requests to the full path; those that came while the
        # connection could take them were answered from the cache.
        full = handled(server, "GET", "/pressure/k") + handled(server, "HEAD", "/pressure/k")
        assert 0 < full < count, f"{full} of {count} requests reached the S3 handler"
        # Another connection's reads are the cache's again.
        before = handled(server, "GET", "/pressure/k")
        with Connection(server.port) as fresh:
            for _ in range(3):
                fresh.send(request_bytes("GET", "/pressure/k", host=host))
                assert fresh.answer("GET").body == body
        assert handled(server, "GET", "/pressure/k") == before
    finally:
        server.stop()


# MARK: 7. overwrites racing with readers


def test_readers_racing_an_overwriting_writer_see_whole_bodies_never_older(site):
    bucket = site.bucket()
    s3 = site.owner
    key, path = "raced", f"/{bucket}/raced"
    generations = 40

    def body_of(generation):
        return (f"generation {generation:04d};".encode() * 300)[:4096]

    bodies = {body_of(g): g for g in range(generations + 1)}
    s3.put_object(Bucket=bucket, Key=key, Body=body_of(0), ACL="public-read")
    site.warm(path)
    done = threading.Event()
    failures = []
    seen = {}

    def check(answer, who, last):
        assert answer.status == 200, (who, answer)
        assert len(answer.body) == 4096 and answer.body in bodies, (who, answer.body[:40], len(answer.body))
        assert answer.get("etag") == quoted_md5(answer.body), (who, answer.get("etag"), answer.body[:24])
        assert answer.get("content-length") == "4096"
        generation = bodies[answer.body]
        assert generation >= last, f"{who} saw generation {generation} after {last}"
        return generation

    def reader(who, make):
        last, count = 0, 0
        try:
            with Connection(site.port) as connection:
                while not done.is_set():
                    method, target, headers = make()
                    connection.send(request_bytes(method, target, headers, host=site.host))
                    last = check(connection.answer(method), who, last)
                    count += 1
        except Exception as error:  # noqa: BLE001
            failures.append(f"{who}: {error!r}")
        seen[who] = count

    presigned_url = presigned(site.owner, "get_object", bucket, key)
    readers = [threading.Thread(target=reader, args=(who, make)) for who, make in (
        ("anonymous 1", lambda: ("GET", path, ())),
        ("anonymous 2", lambda: ("GET", path, ())),
        ("presigned", lambda: ("GET", presigned_url, ())),
        ("header-signed", lambda: ("GET", path, v4_header_auth(site, "GET", path))),
    )]
    for thread in readers:
        thread.start()
    try:
        with Connection(site.port) as connection:
            for generation in range(1, generations + 1):
                s3.put_object(Bucket=bucket, Key=key, Body=body_of(generation), ACL="public-read")
                for _ in range(2):
                    connection.send(request_bytes("GET", path, host=site.host))
                    answer = connection.answer("GET")
                    got = check(answer, "the writer", generation)
                    assert got == generation, f"after PUT of generation {generation} returned, a GET answered generation {got}"
    finally:
        done.set()
        for thread in readers:
            thread.join(timeout=30)
    assert not failures, failures
    assert all(count > 0 for count in seen.values()), seen


# MARK: 8. cache sizes


def test_with_the_cache_off_and_tiny(tmp_path_factory):
    for size in ("0", "100K"):
        server = start_server(tmp_path_factory, f"fast-size-{size}", "--object-cache-size", size)
        try:
            site = Site(server)
            bucket = site.bucket()
            bodies = {f"k{i:03d}": os.urandom(4096) for i in range(60)}
            bodies["big"] = os.urandom(64 << 10)  # more than half of 100K: never kept
            for key, body in bodies.items():
                site.owner.put_object(Bucket=bucket, Key=key, Body=body, ACL="public-read")
            with Connection(site.port) as connection:
                for round_number in range(3):
                    for key, body in bodies.items():
                        for method in ("GET", "HEAD"):
                            connection.send(request_bytes(method, f"/{bucket}/{key}", host=site.host))
                            answer = connection.answer(method)
                            assert answer.status == 200 and answer.get("etag") == quoted_md5(body), (size, key, answer)
                            assert answer.body == (body if method == "GET" else b""), (size, key, round_number)
                    # Overwrites in between rounds are seen.
                    changed = f"k{round_number:03d}"
                    bodies[changed] = os.urandom(4096)
                    site.owner.put_object(Bucket=bucket, Key=changed, Body=bodies[changed], ACL="public-read")
            presigned_url = presigned(site.owner, "get_object", bucket, "k010")
            for _ in range(3):
                assert site.fetch("GET", presigned_url).body == bodies["k010"]
            handled = site.full("GET", f"/{bucket}/k010")
            if size == "0":
                # Off: every read reaches the S3 handler.
                assert (handled, site.full("HEAD", f"/{bucket}/k010")) == (6, 3)
            else:
                assert handled < 6
            assert site.full("GET", f"/{bucket}/big") == 3
        finally:
            server.stop()


@pytest.mark.parametrize("value", ["lots", "2T", "1025G"])
def test_a_bad_object_cache_size_is_refused_at_start(tmp_path, value):
    """Not a size, or more than 1T: the server says which option is wrong and exits at once,
    never listening."""
    port, image_port = server_process.free_ports(2)
    started = time.monotonic()
    process = subprocess.Popen(
        [server_process.BINARY, "--data", str(tmp_path / "data"), "--port", str(port), "--image-port", str(image_port),
         "--access-key", OWNER[0], "--secret-key", OWNER[1], "--object-cache-size", value],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        while process.poll() is None and time.monotonic() - started < 10:
            for listening in (port, image_port):
                with socket.socket() as probe:
                    assert probe.connect_ex(("127.0.0.1", listening)) != 0, (
                        f"--object-cache-size {value}: it serves on {listening}")
            time.sleep(0.02)
        output, errors = process.communicate(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode not in (None, 0), (value, process.returncode)
    assert time.monotonic() - started < 10, f"--object-cache-size {value}: {time.monotonic() - started:.1f} s to exit"
    assert "--object-cache-size" in errors, (value, output, errors)


def test_the_largest_object_cache_size_is_accepted(tmp_path_factory):
    """1T, the most the option takes, starts a server whose cache works."""
    server = start_server(tmp_path_factory, "fast-size-1T", "--object-cache-size", "1T")
    try:
        s3 = make_client(server, OWNER)
        s3.create_bucket(Bucket="large")
        s3.put_object(Bucket="large", Key="k", Body=b"kept", ACL="public-read")
        with Connection(server.port) as connection:
            for _ in range(3):
                connection.send(request_bytes("GET", "/large/k", host=f"127.0.0.1:{server.port}"))
                assert connection.answer("GET").body == b"kept"
        assert handled(server, "GET", "/large/k") == 0
    finally:
        server.stop()
