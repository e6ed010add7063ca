"""Connection persistence as HTTP/1.0 and HTTP/1.1 clients expect it (RFC 9112 section 9.3), on raw
sockets, so no client library's own framing hides a connection left open.

An HTTP/1.0 client without `Connection: keep-alive` (ab, old scripts, anything that reads to the end
of the stream) must see the connection end after the answer; one that asks for keep-alive must be
able to send a second request. HTTP/1.1 keeps the connection unless `Connection: close` was sent.
Both the S3 port and the image port are checked, with a public object, an error and an anonymous
listing refusal.
"""
import os
import socket
import time
import uuid
from urllib.parse import urlsplit

import pytest

from conftest import client, empty_and_delete, new_bucket_name

IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")
BODY = b"persistence " * 100


@pytest.fixture(scope="module")
def public_object():
    s3 = client()
    bucket = new_bucket_name("persist")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="public.txt", Body=BODY, ACL="public-read")
    yield bucket, "public.txt"
    empty_and_delete(s3, bucket)


def endpoints():
    from conftest import ENDPOINT
    found = [("s3", ENDPOINT)]
    if IMAGE_ENDPOINT:
        found.append(("image", IMAGE_ENDPOINT))
    return found


def connect(endpoint):
    parts = urlsplit(endpoint)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock, f"{parts.hostname}:{parts.port}"


def read_answer(sock, data=b""):
    """Reads one answer framed by its Content-Length, starting with `data` already read; returns
    (status line, headers, body, what was read past the answer)."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection ended before a complete head: {data!r}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    assert "transfer-encoding" not in headers or not lines[0].startswith("HTTP/1.0"), lines
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection ended inside the body"
        rest += chunk
    return lines[0], headers, rest[:length], rest[length:]


def ends_within(sock, seconds):
    """True when the server closes the connection (end of stream) within `seconds`."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if sock.recv(65536) == b"":
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    return False


def request(path, host, version, extra=""):
    return f"GET {path} {version}\r\nHost: {host}\r\n{extra}\r\n".encode()


def paths(bucket, key):
    return {
        "public object": (f"/{bucket}/{key}", 200),
        "missing key": (f"/{bucket}/missing-{uuid.uuid4().hex}", None),
        "anonymous listing": (f"/{bucket}", 403),
    }


@pytest.mark.parametrize("port", ["s3", "image"])
@pytest.mark.parametrize("what", ["public object", "missing key", "anonymous listing"])
def test_http10_without_keep_alive_ends_the_connection(public_object, port, what):
    endpoint = dict(endpoints()).get(port)
    if endpoint is None:
        pytest.skip("no image port given")
    path, status = paths(*public_object)[what]
    sock, host = connect(endpoint)
    with sock:
        started = time.monotonic()
        sock.sendall(request(path, host, "HTTP/1.0"))
        line, headers, body, extra = read_answer(sock)
        assert line.startswith("HTTP/1.0 "), line
        code = line.split()[1]
        if port == "s3":
            assert code == str(status) if status else code in ("403", "404"), line
            if what == "public object":
                assert body == BODY
        else:
            assert code < "500", line
        assert headers.get("connection") == "close", headers
        assert extra == b""
        # The server ends the connection at once, not after its idle timeout.
        assert ends_within(sock, 5), f"{port} {what}: the connection stayed open after the HTTP/1.0 answer"
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("port", ["s3", "image"])
def test_http10_keep_alive_is_honoured(public_object, port):
    endpoint = dict(endpoints()).get(port)
    if endpoint is None:
        pytest.skip("no image port given")
    bucket, key = public_object
    sock, host = connect(endpoint)
    with sock:
        for round_number in range(3):
            sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.0", "Connection: keep-alive\r\n"))
            line, headers, body, _ = read_answer(sock)
            assert line.startswith("HTTP/1.0 "), (round_number, line)
            assert headers.get("connection", "").lower() == "keep-alive", (round_number, headers)
        # Then a request without it ends the connection.
        sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.0"))
        line, headers, _, _ = read_answer(sock)
        assert headers.get("connection") == "close", headers
        assert ends_within(sock, 5)


def test_http11_keeps_the_connection_until_close_is_asked(public_object):
    bucket, key = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        for round_number in range(3):
            sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.1"))
            line, headers, body, _ = read_answer(sock)
            assert line.startswith("HTTP/1.1 200"), line
            assert body == BODY
            assert headers.get("connection", "").lower() != "close", headers
        # Still open: nothing arrives and nothing ends within a second.
        assert not ends_within(sock, 1)
        sock.settimeout(10)
        sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.1", "Connection: close\r\n"))
        line, headers, body, _ = read_answer(sock)
        assert line.startswith("HTTP/1.1 200") and body == BODY
        assert headers.get("connection") == "close", headers
        assert ends_within(sock, 5)


def test_pipelined_http10_keep_alive_requests_are_answered_in_order(public_object):
    bucket, key = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.0", "Connection: keep-alive\r\n")
                     + request(f"/{bucket}", host, "HTTP/1.0", "Connection: keep-alive\r\n")
                     + request(f"/{bucket}/{key}", host, "HTTP/1.0"))
        answers = []
        pending = b""
        for _ in range(3):
            line, headers, body, pending = read_answer(sock, pending)
            answers.append((line.split()[1], headers.get("connection")))
        assert answers == [("200", "keep-alive"), ("403", "keep-alive"), ("200", "close")], answers
        assert ends_within(sock, 5)


def assert_server_alive(public_object):
    bucket, key = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.1", "Connection: close\r\n"))
        line, _, body, _ = read_answer(sock)
        assert line.startswith("HTTP/1.1 200") and body == BODY, line


@pytest.mark.parametrize("connection_lines,keeps", [
    ("Connection: keep-alive, close\r\n", False),
    ("Connection: close, keep-alive\r\n", False),
    ("Connection: keep-alive\r\nConnection: close\r\n", False),
    ("Connection: keep-alive\r\nConnection: keep-alive\r\n", True),
    ("Connection: KEEP-ALIVE\r\n", True),
    ("Connection: " + "x" * 8000 + "\r\n", False),
    ("Connection: \r\n", False),
], ids=["keep-alive-then-close", "close-then-keep-alive", "two-headers-one-close", "duplicated-keep-alive",
        "upper-case", "huge-token", "empty"])
def test_http10_connection_header_variants(public_object, connection_lines, keeps):
    # "close" wins over "keep-alive" wherever it appears (RFC 9112 9.3); whatever the header
    # holds, the answer says what the server does, and the server does it.
    bucket, key = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        sock.sendall(request(f"/{bucket}/{key}", host, "HTTP/1.0", connection_lines))
        line, headers, body, _ = read_answer(sock)
        assert line.startswith("HTTP/1.0 200") and body == BODY, line
        assert headers.get("connection", "").lower() == ("keep-alive" if keeps else "close"), headers
        if keeps:
            assert not ends_within(sock, 1)
        else:
            assert ends_within(sock, 5)
    assert_server_alive(public_object)


@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/1.10", "HTTP/01.0", "HTTP/1.99999999999999999999", "HTTP/9", "HTTP/1.0 extra",
                                     "http/1.0", "HTTP/-1.0"])
def test_odd_protocol_versions_are_refused_or_answered_and_the_server_stays_up(public_object, version):
    bucket, key = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        sock.sendall(request(f"/{bucket}/{key}", host, version))
        sock.settimeout(10)
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and not data.startswith(b"HTTP/1.1 200") and not data.startswith(b"HTTP/1.0 200"):
                    break
                if data.count(BODY) == 1:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        # Either a 4xx, or a proper answer to a version the parser accepts; never a 5xx.
        if data:
            status = data.split(b" ", 2)[1]
            assert status.startswith(b"4") or status == b"200", data[:200]
    assert_server_alive(public_object)


def test_http10_expect_continue_gets_no_interim_answer_and_a_refusal_ends_the_connection(public_object):
    # An anonymous PUT into a private bucket, asking for 100 Continue over HTTP/1.0: no 1xx may be
    # sent to an HTTP/1.0 client; the 403 comes at once and the connection ends, since the body it
    # announced is never read.
    bucket, _ = public_object
    from conftest import ENDPOINT
    sock, host = connect(ENDPOINT)
    with sock:
        sock.sendall(f"PUT /{bucket}/upload HTTP/1.0\r\nHost: {host}\r\nContent-Length: 1000000\r\n"
                     f"Expect: 100-continue\r\nConnection: keep-alive\r\n\r\n".encode())
        line, headers, body, _ = read_answer(sock)
        assert line.startswith("HTTP/1.0 403"), line
        assert b"AccessDenied" in body
        assert headers.get("connection") == "close", headers
        assert ends_within(sock, 5)
    assert_server_alive(public_object)


def test_truncated_http10_bodies_are_refused_and_the_server_stays_up(public_object):
    bucket, _ = public_object
    from conftest import ENDPOINT
    for extra in ["", "Connection: keep-alive\r\n"]:
        sock, host = connect(ENDPOINT)
        with sock:
            sock.sendall(f"PUT /{bucket}/cut HTTP/1.0\r\nHost: {host}\r\nContent-Length: 100\r\n{extra}\r\n".encode() + b"x" * 10)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(10)
            data = b""
            try:
                while chunk := sock.recv(65536):
                    data += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            if data:
                assert data.split(b" ", 2)[1].startswith(b"4"), data[:200]
    assert_server_alive(public_object)
