"""What a new user touches first: the embedded local server with nothing configured, profiles,
the quick start, progress bars on a terminal and none in a pipe, shell completions."""
import json
import os
import pty
import subprocess
import time

import pytest
from PIL import Image

from conftest import CLI, clean_env


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    path = tmp_path_factory.mktemp("mss-home")
    yield path
    subprocess.run([CLI, "server", "--stop"], env=clean_env(path), capture_output=True, timeout=60)


def run(home, *args, check=True, cwd=None):
    result = subprocess.run([CLI, *args], capture_output=True, env=clean_env(home), timeout=300, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"mss {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
    return result


def test_fresh_machine_needs_no_configuration(home, tmp_path):
    # The promise, word for word: mss mb mss://demo && mss cp file mss://demo/
    first = run(home, "mb", "mss://demo")
    assert b"started the local mss-server" in first.stderr
    (tmp_path / "file").write_bytes(b"no account needed")
    run(home, "cp", str(tmp_path / "file"), "mss://demo/")
    assert run(home, "cat", "mss://demo/file").stdout == b"no account needed"
    # The second command reused the server; its keys are private to the user.
    assert b"started" not in run(home, "ls").stderr
    credentials = home / "embedded" / "credentials.json"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    status = run(home, "server", "--status").stdout.decode()
    assert "runs: http://127.0.0.1:" in status and str(home / "data") in status


def test_quickstart_writes_both_example_images(home, tmp_path):
    result = run(home, "quickstart", "--directory", str(tmp_path))
    text = result.stdout.decode()
    for call in ["create_bucket", "get_all_buckets", "delete_bucket", "head_bucket", "set_contents_from_string",
                 "get_contents_to_filename", "lookup", "generate_url", "initiate_multipart_upload", "complete_upload",
                 "get_image_key('example.jpg', '30r')", "get_image_key('example.jpg', 'watermark=2&text=aGVsbG8sIHdvcmxk')"]:
        assert call in text, call
    assert text.count("HTTP 200") == 3
    with Image.open(tmp_path / "example.jpg") as source:
        size = source.size
    with Image.open(tmp_path / "example_rotation.jpg") as rotated:
        assert rotated.format == "JPEG" and rotated.size[0] > size[0] and rotated.size[1] > size[1]
    with Image.open(tmp_path / "example_water.jpg") as watered:
        assert watered.format == "JPEG" and watered.size == size
    # It cleans up after itself.
    assert not any(b["name"].startswith(("tmpbucket", "image-bucket")) for b in map(json.loads, run(home, "ls", "--json").stdout.splitlines()))


def test_only_the_process_that_renders_images_opens_libvips(home, tmp_path):
    # libvips and its hundred libraries are opened at the first render, not linked: a command
    # that renders nothing never maps them (they took 36 ms of each command's start), and the
    # embedded server, the same binary, has them once it rendered an image.
    run(home, "mb", "mss://vips-probe", check=False)
    command = subprocess.Popen([CLI, "cp", "-", "mss://vips-probe/from-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=clean_env(home))
    try:
        time.sleep(1)  # reading stdin: started, connected, waiting for bytes
        assert command.poll() is None
        with open(f"/proc/{command.pid}/maps") as maps:
            mapped = maps.read()
        assert "libswiftCore" in mapped
        assert "libvips" not in mapped
    finally:
        command.communicate(b"streamed", timeout=60)
    assert command.returncode == 0
    assert run(home, "cat", "mss://vips-probe/from-stdin").stdout == b"streamed"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(tmp_path / "red.jpg")
    run(home, "cp", str(tmp_path / "red.jpg"), "mss://vips-probe/red.jpg")
    run(home, "image", "mss://vips-probe/red.jpg", "-p", "90r", "-o", str(tmp_path / "turned.jpg"))
    with Image.open(tmp_path / "turned.jpg") as turned:
        assert turned.size == (48, 64)
    state = json.loads((home / "embedded" / "server.json").read_text())
    with open(f"/proc/{state['pid']}/maps") as maps:
        assert "libvips" in maps.read()
    run(home, "rb", "--force", "mss://vips-probe")


def test_profiles_set_list_use(home, tmp_path):
    other = tmp_path / "profile-home"
    assert run(other, "config", "set", "endpoint", "not a url", check=False).returncode == 2
    run(other, "config", "set", "--profile", "work", "endpoint", "http://127.0.0.1:1")
    run(other, "config", "set", "--profile", "work", "access-key", "AK")
    run(other, "config", "set", "--profile", "work", "secret-key", "very-secret-value")
    listed = [json.loads(line) for line in run(other, "config", "list", "--json").stdout.splitlines()]
    assert listed == [{"profile": "work", "current": False, "endpoint": "http://127.0.0.1:1", "access-key": "AK", "secret-key": "********"}]
    assert b"very-secret-value" not in run(other, "config", "list").stdout
    run(other, "config", "use", "work")
    # Port 1 has nothing listening: the profile is in use and the failure says so plainly.
    failed = run(other, "ls", check=False)
    assert failed.returncode == 1 and b"no answer from the server" in failed.stderr
    assert run(other, "config", "use", "nowhere", check=False).returncode == 2
    # Flags win over the profile.
    assert run(other, "ls", "--profile", "missing", check=False).returncode == 2


def pty_run(home, *args):
    master, slave = pty.openpty()
    process = subprocess.Popen([CLI, *args], stdin=slave, stdout=slave, stderr=slave, env=clean_env(home))
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    return process.wait(timeout=300), output


def test_progress_bar_on_a_terminal_only(home, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(24 * 1024 * 1024))
    run(home, "mb", "mss://progress")
    status, output = pty_run(home, "cp", str(big), "mss://progress/big.bin", "--part-size", "5", "--concurrency", "2")
    assert status == 0, output
    frames = [frame for frame in output.split(b"\r") if b"big.bin" in frame and b"%" in frame]
    assert frames, output
    last = frames[-1]
    assert b"100% [========================]" in last and b"24 MiB / 24 MiB" in last and b"/s" in last and b"ETA" in last
    # The bar ends with a newline before the result line, and clears what it overwrote.
    assert b"\x1b[K\r\nuploaded" in output
    piped = run(home, "cp", str(big), "mss://progress/big2.bin")
    assert b"\r" not in piped.stderr and b"%" not in piped.stderr
    status, output = pty_run(home, "cp", "mss://progress/big.bin", str(tmp_path / "back.bin"))
    assert status == 0 and b"100%" in output
    assert (tmp_path / "back.bin").read_bytes() == big.read_bytes()
    run(home, "rb", "--force", "mss://progress")


def test_shell_completions_and_help(home):
    script = run(home, "--generate-completion-script", "bash").stdout.decode()
    assert "complete" in script and "quickstart" in script
    help_text = run(home, "--help").stdout.decode()
    for command in ["ls", "mb", "rb", "cp", "mv", "rm", "cat", "stat", "presign", "sync", "image", "du", "server", "config", "quickstart"]:
        assert f"  {command} " in help_text or f"  {command}\n" in help_text, command
