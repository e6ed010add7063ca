"""Connections that send nothing cannot hold mss-server: with `--idle-timeout` and
`--max-connections`, half-open connections (a partial request head, a body that stalls, an idle
keep-alive) are closed after the timeout, and a client past the connection limit is served as soon
as slots free up, not never. Runs on a server of its own with a short timeout."""
import socket
import time

import pytest

from server_process import ServerProcess

IDLE = 1.5
LIMIT = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("connection-limits")
    process = ServerProcess(root / "data", root / "server.log",
                            extra_args=["--idle-timeout", str(IDLE), "--max-connections", str(LIMIT)]).start()
    yield process
    process.stop()


def connect(server, payload):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if payload:
        sock.sendall(payload)
    return sock


def closed_after(sock, limit=10):
    """Seconds until the server closes `sock` (reads EOF or a reset); fails past `limit`."""
    started = time.monotonic()
    sock.settimeout(limit)
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return time.monotonic() - started
        if not data:
            return time.monotonic() - started
        assert time.monotonic() - started < limit


def answer_of(sock, request):
    if request:
        sock.sendall(request)
    sock.settimeout(30)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"closed without an answer: {data!r}"
        data += chunk
    return int(data.split(b" ", 2)[1])


GET_ROOT = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("payload", [
    b"",                                                                     # connects, says nothing
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n",                                # stops inside the head
    b"PUT /b/k HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nab",  # stalls in the body
    b"G",                                                                    # one byte of a request line
])
def test_silent_connections_are_closed_after_the_idle_timeout(server, payload):
    sock = connect(server, payload)
    waited = closed_after(sock)
    # Closed by the server's timer: not at once, and not much later than the timeout.
    assert IDLE * 0.8 <= waited <= IDLE + 3, waited


def test_a_trickling_head_does_not_outlive_the_timeout(server):
    sock = connect(server, b"GET / HTTP/1.1\r\n")
    started = time.monotonic()
    # One header byte a second: never idle for the whole timeout, but the head is never finished.
    # NIO's parser hands nothing on before the head ends, so the trickle does not count as activity.
    closed = False
    for index in range(20):
        try:
            sock.sendall(b"X-Slow: " if index == 0 else b"a")
        except OSError:
            closed = True
            break
        sock.settimeout(1.0)
        try:
            if sock.recv(1024) == b"":
                closed = True
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
            break
    assert closed and time.monotonic() - started <= IDLE + 4


def test_past_the_connection_limit_clients_wait_then_are_served(server):
    # Fill every slot (and NIO's accept batch beyond it) with connections that say nothing.
    holders = [connect(server, b"GET / HTTP/1.1\r\n") for _ in range(LIMIT * 3)]
    started = time.monotonic()
    late = connect(server, None)
    status = answer_of(late, GET_ROOT)
    waited = time.monotonic() - started
    # Anonymous ListBuckets is refused, but answered: the server is serving again once the idle
    # holders were closed by the timeout.
    assert status == 403
    assert waited >= IDLE * 0.8, f"answered after {waited:.2f} s: the limit did not hold"
    assert waited <= IDLE * 6 + 5, waited
    for sock in holders:
        sock.close()
    # And normal signed traffic works afterwards.
    client = server.client()
    client.create_bucket(Bucket="after-limits")
    client.put_object(Bucket="after-limits", Key="k", Body=b"v")
    assert client.get_object(Bucket="after-limits", Key="k")["Body"].read() == b"v"


def test_a_slow_steady_upload_is_not_cut_by_the_idle_timeout(server):
    # The timeout counts silence, not the length of a request: a body sent in pieces, each well
    # within the timeout, over several times the timeout, is stored whole.
    import urllib.parse
    client = server.client()
    client.create_bucket(Bucket="steady")
    url = urllib.parse.urlsplit(client.generate_presigned_url(
        "put_object", Params={"Bucket": "steady", "Key": "k"}, ExpiresIn=300))
    body = bytes(range(256)) * 64
    sock = connect(server, (f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\n"
                            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode())
    started = time.monotonic()
    for offset in range(0, len(body), 2048):
        sock.sendall(body[offset:offset + 2048])
        time.sleep(IDLE / 3)
    assert time.monotonic() - started > IDLE * 2
    assert answer_of(sock, b"") == 200
    assert client.get_object(Bucket="steady", Key="k")["Body"].read() == body
