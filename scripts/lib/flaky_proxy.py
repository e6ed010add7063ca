"""A forwarding HTTP proxy that injects failures, for testing client retries against a real server.

    flaky_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT [--seed N] [--fault-rate R]

Requests are forwarded unchanged (signatures stay valid: the Host header is passed through), with
their bodies streamed both ways. By a marker in the request's path:

- "slow": the first, third, ... request with the same method and path gets `503 SlowDown`
  (with `Retry-After: 0`);
- "drop": the first, third, ... request with the same method and path has its connection closed
  without an answer;
- "truncate": the first, third, ... GET of the same path is forwarded, and its answer is sent
  with the full Content-Length but only the first half of the body, then the connection is
  closed (other methods pass untouched);
- "faulty": a fraction R (default 0.1) of requests, chosen by a random generator seeded with N
  (default 0, or FLAKY_PROXY_SEED), get one fault picked at random: a connection reset (RST)
  before any answer, `503 SlowDown`, `500 InternalError`, or, for a GET (half of its faults),
  the truncated body above. The same request (method, path and query, Range) never gets more
  than two faults in a row, so a client that retries three times always gets through.

Every other request is forwarded as is. `GET /__flaky_proxy__/stats` answers the counts of
requests and injected faults as JSON.
"""
import http.client
import json
import os
import random
import socket
import socketserver
import struct
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler

UPSTREAM = sys.argv[2]


def option(name, default):
    if name in sys.argv[3:]:
        return sys.argv[sys.argv.index(name) + 1]
    return default


SEED = int(option("--seed", os.environ.get("FLAKY_PROXY_SEED", "0")))
FAULT_RATE = float(option("--fault-rate", "0.1"))
MAX_FAULTS_IN_A_ROW = 2
CHUNK = 1 << 20

seen = {}
in_a_row = Counter()
stats = Counter()
rng = random.Random(SEED)
lock = threading.Lock()


def error_document(code, message):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f'<Message>{message}</Message><RequestId>flaky-proxy</RequestId></Error>').encode()


SLOW_DOWN = error_document("SlowDown", "Please reduce your request rate.")
INTERNAL_ERROR = error_document("InternalError", "We encountered an internal error. Please try again.")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # Request bodies.

    def body_chunks(self):
        """The request body, as it arrives, in pieces of at most CHUNK bytes."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                yield self.rfile.read(size)
                self.rfile.readline()
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            piece = self.rfile.read(min(CHUNK, remaining))
            if not piece:
                raise ConnectionError("the client closed the connection in the middle of its body")
            remaining -= len(piece)
            yield piece

    def discard_body(self):
        for _ in self.body_chunks():
            pass

    # Answers.

    def answer(self, status, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Closes with a TCP RST, before any answer."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def drop(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def choose_fault(self):
        """For a "faulty" path: None, or the fault this request gets."""
        identity = (self.command, self.path, self.headers.get("Range", ""))
        with lock:
            stats["faulty-path requests"] += 1
            if in_a_row[identity] >= MAX_FAULTS_IN_A_ROW or rng.random() >= FAULT_RATE:
                in_a_row[identity] = 0
                return None
            in_a_row[identity] += 1
            # Half the faults of a GET are truncated bodies: the fault downloads must survive.
            kinds = ["reset", "503", "500"] + (["truncate"] * 3 if self.command == "GET" else [])
            return rng.choice(kinds)

    def count(self, fault):
        with lock:
            stats[fault] += 1
        print(f"flaky-proxy: {fault} for {self.command} {self.path}", flush=True)

    def handle_any(self):
        if self.path.startswith("/__flaky_proxy__/stats"):
            with lock:
                body = json.dumps(dict(stats), sort_keys=True).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        path = self.path.split("?", 1)[0]
        with lock:
            count = seen.get((self.command, self.path), 0) + 1
            seen[(self.command, self.path)] = count
            stats["requests"] += 1
        inject = count % 2 == 1
        if inject and "slow" in path:
            self.discard_body()
            self.count("slow: 503 SlowDown")
            self.answer(503, SLOW_DOWN, [("Retry-After", "0")])
            return
        if inject and "drop" in path:
            self.count("drop: closed without an answer")
            self.drop()
            return
        fault = self.choose_fault() if "faulty" in path else None
        if inject and "truncate" in path and self.command == "GET":
            fault = "truncate"
        if fault in ("reset", "503", "500"):
            self.discard_body()
            if fault == "reset":
                self.count("reset before the answer")
                self.reset()
            elif fault == "503":
                self.count("503 SlowDown")
                self.answer(503, SLOW_DOWN, [("Retry-After", "0")])
            else:
                self.count("500 InternalError")
                self.answer(500, INTERNAL_ERROR)
            return
        self.forward(truncate=fault == "truncate")

    def forward(self, truncate):
        upstream = http.client.HTTPConnection(UPSTREAM, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b"".join(self.body_chunks())
                headers["Content-Length"] = str(len(body))
            elif int(self.headers.get("Content-Length") or 0) > 0:
                body = self.body_chunks()
            else:
                body = None
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            length = response.getheader("Content-Length")
            if length is None and self.command != "HEAD":
                data = response.read()
                length, pieces = len(data), iter([data])
            else:
                length = int(length or 0)
                pieces = iter(lambda: response.read(CHUNK), b"")
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if self.command == "HEAD":
                return
            if truncate and length > 1:
                self.count("truncated body")
                remaining = length // 2
                for piece in pieces:
                    self.wfile.write(piece[:remaining])
                    remaining -= min(len(piece), remaining)
                    if remaining == 0:
                        break
                self.wfile.flush()
                self.drop()
                return
            for piece in pieces:
                self.wfile.write(piece)
        finally:
            upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


print(f"flaky-proxy: 127.0.0.1:{sys.argv[1]} -> {UPSTREAM}, seed {SEED}, fault rate {FAULT_RATE}", flush=True)
Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
