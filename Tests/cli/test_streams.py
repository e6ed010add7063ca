"""`mss cp - mss://b/k`, `mss cp mss://b/k -` and `mss head`, end to end through the executable against
mss-server and Ceph RGW: bytes compared by SHA-256, single PUT versus multipart told apart by the ETag,
peak memory of the mss process measured by the kernel (wait4's ru_maxrss), and SIGINT mid-upload
leaving no multipart upload behind."""
import hashlib
import json
import os
import signal
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config

from conftest import CLI

MIB = 1024 * 1024


def s3_client(cli):
    return boto3.client(
        "s3", endpoint_url=cli.env["MSS_ENDPOINT"], aws_access_key_id=cli.env["MSS_ACCESS_KEY"],
        aws_secret_access_key=cli.env["MSS_SECRET_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def run_measured(cli, args, input_bytes=None, stdout=subprocess.PIPE):
    """Runs mss, feeding `input_bytes` from a thread, and returns (returncode, stdout bytes or sha256,
    stderr, peak RSS in bytes). The peak comes from wait4's rusage: exact, not sampled."""
    process = subprocess.Popen(
        [CLI, *args], stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL, stdout=stdout,
        stderr=subprocess.PIPE, env=cli.env)
    digest = hashlib.sha256()
    size = [0]

    def feed():
        try:
            for offset in range(0, len(input_bytes), MIB):
                process.stdin.write(input_bytes[offset:offset + MIB])
            process.stdin.close()
        except BrokenPipeError:
            pass

    def drain():
        while True:
            chunk = process.stdout.read(MIB)
            if not chunk:
                return
            digest.update(chunk)
            size[0] += len(chunk)

    threads = []
    if input_bytes is not None:
        threads.append(threading.Thread(target=feed))
    if stdout == subprocess.PIPE:
        threads.append(threading.Thread(target=drain))
    for thread in threads:
        thread.start()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(timeout=60)
    return process.returncode, (digest.hexdigest(), size[0]), stderr, usage.ru_maxrss * 1024


def baseline_rss(cli, bucket):
    """The peak memory of a command that moves no data: what the binary itself needs."""
    code, _, stderr, rss = run_measured(cli, ["ls", f"mss://{bucket}"])
    assert code == 0, stderr
    return rss


# The 100 MiB streams: part size 5 MiB and the default 4 parts in flight, plus the part being read
# and one read ahead, make about 30 MiB of parts; the HTTP layer may hold one more copy of a part
# being sent. 64 MiB above what `mss ls` needs is that budget with room for the allocator, and far
# below the 100 MiB a buffered stream would take on top of the baseline.
STREAM_BUDGET = 64 * MIB


def test_stdin_and_stdout_stream_100_mib_in_bounded_memory(cli, cli_bucket):
    data = os.urandom(100 * MIB)
    expected = hashlib.sha256(data).hexdigest()
    base = baseline_rss(cli, cli_bucket)

    code, _, stderr, upload_rss = run_measured(
        cli, ["cp", "--json", "--part-size", "5", "-", f"mss://{cli_bucket}/stream.bin"], input_bytes=data)
    assert code == 0, stderr
    assert upload_rss - base < STREAM_BUDGET, f"upload peak {upload_rss >> 20} MiB, baseline {base >> 20} MiB"
    [info] = cli.json("stat", f"mss://{cli_bucket}/stream.bin")
    assert info["size"] == len(data) and info["etag"].endswith("-20")  # 100 MiB in 5 MiB parts

    code, (digest, size), stderr, download_rss = run_measured(cli, ["cp", f"mss://{cli_bucket}/stream.bin", "-"])
    assert code == 0, stderr
    assert size == len(data) and digest == expected
    assert download_rss - base < STREAM_BUDGET, f"download peak {download_rss >> 20} MiB, baseline {base >> 20} MiB"
    # Nothing but the object on standard output, and no temporary file next to anything.
    assert stderr == b""

    # head reads a range, not the object: 100 bytes of 100 MiB come back in a blink.
    started = time.monotonic()
    [head] = cli.json("head", "-c", "100", f"mss://{cli_bucket}/stream.bin")
    assert head["bytesRead"] == 100 and head["size"] == 100
    assert cli("head", "--bytes", "100", f"mss://{cli_bucket}/stream.bin").stdout == data[:100]
    assert time.monotonic() - started < 10
    # Lines of binary data: no newline within N lines' worth means more ranges, never the whole object at once.
    lines = cli("head", "-n", "2", f"mss://{cli_bucket}/stream.bin").stdout
    cut = data.index(b"\n", data.index(b"\n") + 1) + 1
    assert lines == data[:cut]


def test_stdin_single_put_boundaries_and_empty_input(cli, cli_bucket):
    s3 = s3_client(cli)
    five = 5 * MIB
    cases = {
        "empty": b"",
        "small": b"hello from a pipe\n",
        # Exactly one part: the second read finds the end, so one PUT, and the ETag is the plain MD5.
        "one-part": os.urandom(five),
        "one-part-and-a-byte": os.urandom(five + 1),
    }
    for name, data in cases.items():
        result = json.loads(cli("cp", "--json", "--part-size", "5", "-", f"mss://{cli_bucket}/{name}", input=data).stdout)
        assert result["size"] == len(data) and result["source"] == "-"
        head = s3.head_object(Bucket=cli_bucket, Key=name)
        assert head["ContentLength"] == len(data)
        etag = head["ETag"].strip('"')
        if name == "one-part-and-a-byte":
            assert result["parts"] == 2 and etag.endswith("-2")
        else:
            assert result["parts"] == 1 and etag == hashlib.md5(data).hexdigest()
        assert cli("cp", f"mss://{cli_bucket}/{name}", "-").stdout == data
    # Settings go with a stream too.
    cli("cp", "--content-type", "application/x-ndjson", "--metadata", "origin=pipe", "-", f"mss://{cli_bucket}/typed",
        input=b'{"a":1}\n')
    head = s3.head_object(Bucket=cli_bucket, Key="typed")
    assert head["ContentType"] == "application/x-ndjson" and head["Metadata"] == {"origin": "pipe"}


def test_stream_usage_errors(cli, cli_bucket, tmp_path):
    for args in (
        ["cp", "-", f"mss://{cli_bucket}/prefix/"],   # standard input has no name to append
        ["cp", "-", f"mss://{cli_bucket}"],
        ["cp", "-r", "-", f"mss://{cli_bucket}/k"],
        ["cp", "--preserve", "-", f"mss://{cli_bucket}/k"],
        ["cp", "-", str(tmp_path / "x")],            # '-' pairs with a remote path
        ["mv", "-", f"mss://{cli_bucket}/k"],
        ["mv", f"mss://{cli_bucket}/k", "-"],
        ["head", "-n", "3", "-c", "4", f"mss://{cli_bucket}/k"],
        ["head", "-n", "-1", f"mss://{cli_bucket}/k"],
        ["head", f"mss://{cli_bucket}/"],
    ):
        result = cli(*args, check=False, input=b"data")
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith(b"mss: error: ") or b"Error:" in result.stderr or b"Usage" in result.stderr, result.stderr
    missing = cli("cp", f"mss://{cli_bucket}/nothing", "-", check=False)
    assert missing.returncode == 1 and missing.stdout == b""
    assert f"mss://{cli_bucket}/nothing does not exist".encode() in missing.stderr
    missing = cli("head", f"mss://{cli_bucket}/nothing", check=False)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr


def test_head_lines_and_bytes(cli, cli_bucket):
    text = b"".join(b"line %d\n" % n for n in range(1, 101))
    cli("cp", "-", f"mss://{cli_bucket}/lines.txt", input=text)
    assert cli("head", f"mss://{cli_bucket}/lines.txt").stdout == b"".join(b"line %d\n" % n for n in range(1, 11))
    assert cli("head", "-n", "3", f"mss://{cli_bucket}/lines.txt").stdout == b"line 1\nline 2\nline 3\n"
    assert cli("head", "-n", "1000", f"mss://{cli_bucket}/lines.txt").stdout == text
    assert cli("head", "-n", "0", f"mss://{cli_bucket}/lines.txt").stdout == b""
    assert cli("head", "-c", "8", f"mss://{cli_bucket}/lines.txt").stdout == b"line 1\nl"
    [head] = cli.json("head", "-n", "2", f"mss://{cli_bucket}/lines.txt")
    assert head["text"] == "line 1\nline 2\n" and head["bytesRead"] == len(text)  # one 64 KiB range covers it
    # An empty object and a last line without a newline.
    cli("cp", "-", f"mss://{cli_bucket}/empty", input=b"")
    assert cli("head", f"mss://{cli_bucket}/empty").stdout == b""
    assert cli("head", "-c", "10", f"mss://{cli_bucket}/empty").stdout == b""
    cli("cp", "-", f"mss://{cli_bucket}/tail", input=b"a\nb")
    assert cli("head", "-n", "5", f"mss://{cli_bucket}/tail").stdout == b"a\nb"


def test_sigint_during_stdin_upload_aborts_the_multipart_upload(cli, cli_bucket):
    s3 = s3_client(cli)
    process = subprocess.Popen(
        [CLI, "cp", "--part-size", "5", "-", f"mss://{cli_bucket}/interrupted"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env)
    # Three parts' worth, then the pipe stays open: the upload is under way and waiting for more.
    process.stdin.write(os.urandom(15 * MIB + 1))
    process.stdin.flush()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not s3.list_multipart_uploads(Bucket=cli_bucket).get("Uploads"):
        time.sleep(0.1)
    assert s3.list_multipart_uploads(Bucket=cli_bucket).get("Uploads"), "the multipart upload never started"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGINT
    assert b"interrupted" in stderr and b"aborted" in stderr
    assert not s3.list_multipart_uploads(Bucket=cli_bucket).get("Uploads")
    assert "Contents" not in s3.list_objects_v2(Bucket=cli_bucket)


def test_stdout_reader_going_away_is_quiet(cli, cli_bucket):
    cli("cp", "-", f"mss://{cli_bucket}/blob", input=os.urandom(3 * MIB))
    process = subprocess.Popen(
        [CLI, "cp", f"mss://{cli_bucket}/blob", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli.env)
    assert len(process.stdout.read(10)) == 10
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=30)
    assert process.returncode in (-signal.SIGPIPE, 128 + signal.SIGPIPE)
    assert stderr == b""
