"""An mss-server process of a test's own (binary from MSS_SERVER_BINARY, free ports, a data
directory the test chooses), which the test may stop, SIGKILL and restart on the same data.
Not a test module itself."""
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config

BINARY = os.environ.get("MSS_SERVER_BINARY", "")
ACCESS_KEY = "CRASHTESTKEY00000001"
SECRET_KEY = "crash-test-secret-key"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count):
    """`count` distinct free ports: the kernel may hand the same one to two successive binds once
    the first socket is closed, and a server given one port twice fails to start."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class ServerProcess:
    def __init__(self, data_dir, log_path, extra_args=()):
        assert BINARY, "MSS_SERVER_BINARY is not set: scripts/test.sh exports it"
        assert os.access(BINARY, os.X_OK), f"{BINARY} is not an executable"
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.process = None
        self.port = self.image_port = None
        self.clients = []
        self.extra_args = list(extra_args)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        assert self.process is None or self.process.poll() is not None
        self.port, self.image_port = free_ports(2)
        log = open(self.log_path, "ab")
        log.write(f"\n--- starting on {self.port} / {self.image_port}\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            [BINARY, "--data", self.data_dir, "--port", str(self.port), "--image-port", str(self.image_port),
             "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mss-server exited with {self.process.returncode} at start:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.endpoint + "/", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self  # any HTTP answer means it is listening
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"mss-server did not answer within {timeout} s:\n{self.log_tail()}")

    def kill(self):
        """SIGKILL, as a power cut would: no chance to flush or clean up."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        """SIGTERM, after closing the clients' idle connections (a graceful shutdown waits for them)."""
        for made in self.clients:
            made.close()
        self.clients.clear()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, signature="s3v4", read_timeout=60):
        made = boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          connect_timeout=3, read_timeout=read_timeout, max_pool_connections=4))
        self.clients.append(made)
        return made

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, "rb") as log:
                return b"\n".join(log.read().splitlines()[-lines:]).decode(errors="replace")
        except FileNotFoundError:
            return ""
