"""A forwarding HTTP proxy that injects failures, for testing client retries against a real server.

    flaky_proxy.py LISTEN_PORT UPSTREAM_HOST:PORT

Requests are forwarded unchanged (signatures stay valid: the Host header is passed through).
For a path containing "slow", the first, third, ... request with the same method and path gets
`503 SlowDown` (with `Retry-After: 0`); for a path containing "drop", the connection is closed
without an answer instead. Every other request is forwarded as is.
"""
import http.client
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler

UPSTREAM = sys.argv[2]
seen = {}
lock = threading.Lock()

SLOW_DOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
             b'<Message>Please reduce your request rate.</Message><RequestId>flaky-proxy</RequestId></Error>')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        with lock:
            count = seen.get((self.command, self.path), 0) + 1
            seen[(self.command, self.path)] = count
        inject = count % 2 == 1
        if inject and "slow" in path:
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(SLOW_DOWN)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(SLOW_DOWN)
            return
        if inject and "drop" in path:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        upstream = http.client.HTTPConnection(UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
