"""The embedded server proves who it is before `mss` uses or signals it.

`mss` finds its background server through MSS_HOME/embedded/server.json (pid and port). Whatever
answers on that port must prove, with an HMAC under the embedded secret key over a fresh nonce and
its pid, that it is that server; anything else is a stranger: `mss` sends it no data, never
signals the recorded pid, and starts its own server elsewhere.
"""
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

from conftest import CLI, clean_env

# A stand-in for "something else on the port": it answers every request 200 (with a forged
# identity when asked to), logs what it got, and is the pid the fake state file names.
STRANGER = textwrap.dedent(
    """
    import json, os, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer
    log, forge = sys.argv[1], sys.argv[2] == "forge"
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n: self.rfile.read(n)
            with open(log, "a") as f:
                f.write(json.dumps({"method": self.command, "path": self.path,
                                    "authorization": self.headers.get("Authorization")}) + "\\n")
            self.send_response(200)
            if forge:
                self.send_header("x-mss-pid", str(os.getpid()))
                self.send_header("x-mss-identity-proof", "00" * 32)
            self.send_header("Content-Length", "0")
            self.end_headers()
        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = handle_any
    server = HTTPServer(("127.0.0.1", 0), H)
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """
)


def run(home, *args, check=True):
    result = subprocess.run([CLI, *args], capture_output=True, env=clean_env(home), timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"mss {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
    return result


def state_path(home):
    return home / "embedded" / "server.json"


def write_state(home, pid, port):
    (home / "embedded").mkdir(parents=True, exist_ok=True, mode=0o700)
    state_path(home).write_text(json.dumps({"pid": pid, "port": port, "imagePort": port + 1}))


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def identity(port, access_key, nonce):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/?x-mss-identity={nonce}", headers={"x-mss-access-key": access_key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    yield path
    run(path, "server", "--stop", check=False)


@pytest.mark.parametrize("kind", ["plain-http", "forged-proof", "silent-tcp"])
def test_a_stranger_on_the_recorded_port_is_not_used_or_signalled(home, tmp_path, kind):
    log = tmp_path / "stranger.log"
    listener = None
    if kind == "silent-tcp":
        # Accepts connections and never answers: the identity request must time out, not hang.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    else:
        stranger = subprocess.Popen(
            [sys.executable, "-c", STRANGER, str(log), "forge" if kind == "forged-proof" else "plain"],
            stdout=subprocess.PIPE)
        port = int(stranger.stdout.readline())
    try:
        write_state(home, stranger.pid, port)

        status = run(home, "server", "--status").stdout.decode()
        assert "no local mss-server runs" in status and f"port {port}" in status

        stopped = run(home, "server", "--stop").stdout.decode()
        assert "not signalled" in stopped
        assert stranger.poll() is None, "mss signalled a pid that did not prove itself"

        write_state(home, stranger.pid, port)
        made = run(home, "mb", "mss://identity-check")
        assert b"started the local mss-server" in made.stderr
        assert stranger.poll() is None
        state = json.loads(state_path(home).read_text())
        assert state["port"] != port and state["pid"] != stranger.pid
        # The stranger saw at most identity probes: no signed request, no data.
        if log.exists():
            for line in log.read_text().splitlines():
                entry = json.loads(line)
                assert entry["method"] == "GET" and entry["path"].startswith("/?x-mss-identity=")
                assert entry["authorization"] is None
        assert "runs: http://127.0.0.1:" in run(home, "server", "--status").stdout.decode()
        assert run(home, "server", "--stop").stdout.decode().startswith("stopped")
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
        if listener:
            listener.close()


def test_the_real_embedded_server_proves_itself(home):
    run(home, "ls")
    state = json.loads(state_path(home).read_text())
    keys = json.loads((home / "embedded" / "credentials.json").read_text())
    nonce = os.urandom(32).hex()
    status, headers = identity(state["port"], keys["accessKey"], nonce)
    assert status == 200
    assert headers["x-mss-pid"] == str(state["pid"])
    message = f"mss-server identity\n{nonce}\n{state['pid']}".encode()
    assert headers["x-mss-identity-proof"] == hmac.new(keys["secretKey"].encode(), message, hashlib.sha256).hexdigest()

    # An unknown key learns nothing: 403 and no proof, as for any other authentication failure.
    status, headers = identity(state["port"], "NOT-A-KEY", nonce)
    assert status == 403 and "x-mss-identity-proof" not in {k.lower() for k in headers}
    status, _ = identity(state["port"], keys["accessKey"], "not-hex")
    assert status == 400

    # A state file naming another live pid for the server's port: the proof (bound to the real
    # pid) fails, so neither process is signalled.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        write_state(home, sleeper.pid, state["port"])
        assert "not signalled" in run(home, "server", "--stop").stdout.decode()
        assert sleeper.poll() is None and alive(state["pid"])
    finally:
        sleeper.kill()
        sleeper.wait()
    write_state(home, state["pid"], state["port"])
    assert run(home, "server", "--stop").stdout.decode().startswith("stopped")
    for _ in range(100):
        if not alive(state["pid"]):
            break
        time.sleep(0.05)
    assert not alive(state["pid"])
