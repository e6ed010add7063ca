"""`Expect: 100-continue`, as boto3, awscli and most SDKs send it on uploads: mss-server answers
`100 Continue` once the request is authenticated and authorised, and a final 4xx, without asking
for the body, when it is not. Without that every boto3 upload waited one second (issue: 1.02 s per
put_object on mss-server against 0.014 s on Ceph RGW)."""
import os
import socket
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

from conftest import client
from rawhttp import HOST, PORT, v4_headers

RGW_ENDPOINT = os.environ.get("MSS_RGW_ENDPOINT", "")
UNSIGNED = "UNSIGNED-PAYLOAD"


def open_request(method, path, headers):
    sock = socket.create_connection((HOST, PORT), timeout=10)
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode())
    return sock


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def read_all(sock, rest=b""):
    data = rest
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not chunk:
            break
        data += chunk
    return data


def test_an_authorised_upload_gets_100_continue_before_it_sends_the_body(bucket):
    body = b"sent only after 100 Continue"
    path = f"/{bucket}/continued"
    headers = v4_headers("PUT", path, extra={"content-length": str(len(body)), "expect": "100-continue"},
                         payload_hash=UNSIGNED)
    sock = open_request("PUT", path, headers)
    interim, _ = read_head(sock)
    # The interim answer comes at once, with nothing of the body sent yet.
    assert interim.startswith("HTTP/1.1 100 Continue"), interim
    sock.sendall(body)
    final, _ = read_head(sock)
    assert final.startswith("HTTP/1.1 200"), final
    sock.close()
    assert client().get_object(Bucket=bucket, Key="continued")["Body"].read() == body


@pytest.mark.parametrize("case", ["wrong-signature", "anonymous", "missing-bucket"])
def test_a_refused_upload_gets_its_final_answer_without_sending_the_body(bucket, case):
    body = b"never sent"
    target = bucket if case != "missing-bucket" else "no-such-bucket-for-continue"
    path = f"/{target}/refused"
    extra = {"content-length": str(len(body)), "expect": "100-continue"}
    if case == "anonymous":
        headers = {"host": f"{HOST}:{PORT}", **extra}
    else:
        headers = v4_headers("PUT", path, extra=extra, payload_hash=UNSIGNED)
        if case == "wrong-signature":
            headers["authorization"] = headers["authorization"][:-4] + "0000"
    sock = open_request("PUT", path, headers)
    head, rest = read_head(sock)
    status = int(head.split(" ", 2)[1])
    assert status in (403, 404), head
    assert "100 Continue" not in head
    # The client never sends the body it owed, so the connection ends with this answer.
    assert "connection: close" in head.lower(), head
    assert b"<Code>" in read_all(sock, rest)
    sock.close()
    if case != "missing-bucket":
        with pytest.raises(Exception):
            client().head_object(Bucket=bucket, Key="refused")


def test_a_doomed_conditional_upload_is_refused_before_its_body(bucket):
    """If-None-Match: * on a key that exists is refused with 412 before 100 Continue: a client
    with a large body learns it would be wasted without sending it."""
    client().put_object(Bucket=bucket, Key="taken", Body=b"first")
    body = b"never sent"
    path = f"/{bucket}/taken"
    headers = v4_headers("PUT", path, extra={"content-length": str(len(body)), "expect": "100-continue", "if-none-match": "*"},
                         payload_hash=UNSIGNED)
    sock = open_request("PUT", path, headers)
    head, rest = read_head(sock)
    assert head.startswith("HTTP/1.1 412"), head
    assert b"<Code>PreconditionFailed</Code>" in read_all(sock, rest)
    sock.close()
    assert client().get_object(Bucket=bucket, Key="taken")["Body"].read() == b"first"


def test_no_expect_no_interim_answer(bucket):
    body = b"plain"
    path = f"/{bucket}/plain"
    headers = v4_headers("PUT", path, extra={"content-length": str(len(body))}, payload_hash=UNSIGNED)
    sock = open_request("PUT", path, headers)
    sock.sendall(body)
    head, _ = read_head(sock)
    assert head.startswith("HTTP/1.1 200"), head
    sock.close()


def timed_puts(endpoint, access_key, secret_key, count=100):
    """The time of each of `count` boto3 put_object calls of 1 KiB into a fresh bucket."""
    made = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    name = f"expect-timing-{int(time.time() * 1000)}"
    made.create_bucket(Bucket=name)
    try:
        made.put_object(Bucket=name, Key="warm-up", Body=b"w")
        times = []
        for index in range(count):
            started = time.monotonic()
            made.put_object(Bucket=name, Key=f"k{index}", Body=b"x" * 1024)
            times.append(time.monotonic() - started)
        return times
    finally:
        for index in range(count):
            made.delete_object(Bucket=name, Key=f"k{index}")
        made.delete_object(Bucket=name, Key="warm-up")
        made.delete_bucket(Bucket=name)


def timed_awscli_upload(endpoint, access_key, secret_key, source, home):
    """`aws s3 cp --recursive` of the files in `source` into a fresh bucket: one process, a
    hundred PutObject calls with `Expect: 100-continue`."""
    env = dict(os.environ)
    env.pop("AWS_CA_BUNDLE", None)
    env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key, AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"), HOME=str(home))
    made = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    name = f"awscli-timing-{int(time.time() * 1000)}"
    made.create_bucket(Bucket=name)
    try:
        started = time.monotonic()
        subprocess.run(["aws", "--endpoint-url", endpoint, "s3", "cp", "--recursive", "--only-show-errors", str(source), f"s3://{name}/"],
                       env=env, check=True, timeout=300)
        elapsed = time.monotonic() - started
        keys = [o["Key"] for o in made.list_objects(Bucket=name).get("Contents", [])]
        assert len(keys) == len(list(source.iterdir()))
        return elapsed
    finally:
        for key in [o["Key"] for o in made.list_objects(Bucket=name).get("Contents", [])]:
            made.delete_object(Bucket=name, Key=key)
        made.delete_bucket(Bucket=name)


# boto3 and awscli wait this long for a 100 Continue that does not come before they send the body
# anyway; a put that waited for it takes at least as long.
CONTINUE_TIMEOUT = 1.0


def test_small_uploads_do_not_wait_for_100_continue(tmp_path):
    """A hundred small uploads from boto3 (put_object) and from awscli (`s3 cp --recursive`) do
    not wait out the clients' one-second 100-continue timeout (issue: 1.02 s a put_object against
    0.014 s on Ceph RGW). The bound is a stall's, not a speed goal: half the timeout for the median
    put and four fifths of it for awscli's hundred files, where a healthy debug server takes
    milliseconds a put. Ceph RGW (memstore, no fsync) is timed beside it for the record; the speed
    of writes is measured by Benchmarks/writes.sh."""
    from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY
    assert RGW_ENDPOINT, "MSS_RGW_ENDPOINT is not set: scripts/test.sh starts Ceph RGW and sets it"
    rgw_keys = (os.environ["MSS_RGW_ACCESS_KEY"], os.environ["MSS_RGW_SECRET_KEY"])
    ours = sorted(timed_puts(ENDPOINT, ACCESS_KEY, SECRET_KEY))
    rgw = sorted(timed_puts(RGW_ENDPOINT, *rgw_keys))
    source = tmp_path / "files"
    source.mkdir()
    for index in range(100):
        (source / f"f{index:03}.txt").write_bytes(os.urandom(1024))
    home = tmp_path / "home"
    home.mkdir()
    ours_cli = timed_awscli_upload(ENDPOINT, ACCESS_KEY, SECRET_KEY, source, home)
    rgw_cli = timed_awscli_upload(RGW_ENDPOINT, *rgw_keys, source, home)
    print(f"\n100 boto3 put_object (1 KiB), median and slowest: mss-server {ours[50]:.4f} s / {ours[-1]:.3f} s,"
          f" Ceph RGW {rgw[50]:.4f} s / {rgw[-1]:.3f} s"
          f"\n100 files by aws s3 cp --recursive: mss-server {ours_cli:.3f} s, Ceph RGW {rgw_cli:.3f} s")
    assert ours[50] < CONTINUE_TIMEOUT / 2, f"boto3: the median put took {ours[50]:.3f} s"
    # awscli uploads ten files at a time, so a stall a file costs at least ten seconds in all.
    assert ours_cli < 0.8 * 100 * CONTINUE_TIMEOUT / 10, f"awscli: 100 files took {ours_cli:.3f} s"


# MARK: hostile variants


@pytest.mark.parametrize("expect", ["100-Continue", " 100-continue ", "100-continue, 100-continue", "foo", "100-continue\x01"])
def test_odd_or_repeated_expectations_are_answered_and_leave_the_server_up(bucket, expect):
    body = b"odd expectation"
    path = f"/{bucket}/odd"
    headers = v4_headers("PUT", path, extra={"content-length": str(len(body))}, payload_hash=UNSIGNED)
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += "".join(f"Expect: {part}\r\n" for part in expect.split(", ")) + "\r\n"
    sock = socket.create_connection((HOST, PORT), timeout=10)
    sock.sendall(head.encode("latin-1"))
    sock.settimeout(1.5)
    try:
        first, rest = read_head(sock)
    except socket.timeout:
        # Nothing said for an expectation the server does not know: a client then sends the
        # body anyway (RFC 9110 10.1.1).
        first = ""
    sock.settimeout(10)
    if first.startswith("HTTP/1.1 100") or first == "":
        sock.sendall(body)
        first, rest = read_head(sock)
    status = int(first.split(" ", 2)[1]) if first else None
    assert status is None or status < 500, first
    sock.close()
    assert client().head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_expect_on_a_get_gets_the_answer_and_no_interim(bucket):
    client().put_object(Bucket=bucket, Key="g", Body=b"get me")
    headers = v4_headers("GET", f"/{bucket}/g", extra={"expect": "100-continue"})
    sock = open_request("GET", f"/{bucket}/g", headers)
    head, rest = read_head(sock)
    assert head.startswith("HTTP/1.1 200"), head
    assert read_all(sock, rest).endswith(b"get me")
    sock.close()


def test_a_body_cut_after_100_continue_stores_nothing(bucket):
    path = f"/{bucket}/cut"
    headers = v4_headers("PUT", path, extra={"content-length": "1000", "expect": "100-continue"}, payload_hash=UNSIGNED)
    sock = open_request("PUT", path, headers)
    interim, _ = read_head(sock)
    assert interim.startswith("HTTP/1.1 100 Continue"), interim
    sock.sendall(b"x" * 10)
    sock.close()
    time.sleep(0.5)
    with pytest.raises(Exception):
        client().head_object(Bucket=bucket, Key="cut")
    assert client().head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("nonce", ["", "zz" * 32, "a" * 63, "A" * 64, "9" * 100_000, "%00" * 32])
def test_identity_probes_with_bad_nonces_are_4xx(nonce):
    from conftest import ACCESS_KEY
    headers = {"host": f"{HOST}:{PORT}", "x-mss-access-key": ACCESS_KEY}
    sock = open_request("GET", f"/?x-mss-identity={nonce}", headers)
    head, rest = read_head(sock)
    sock.close()
    status = int(head.split(" ", 2)[1]) if head else None
    # A request line over the HTTP layer's limit may be closed without an answer; never a 5xx.
    assert status is None or 400 <= status < 500, head
    assert "x-mss-identity-proof" not in head.lower()
    assert client().list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_identity_probe_with_repeated_or_unknown_keys_proves_nothing():
    from conftest import ACCESS_KEY
    nonce = "ab" * 32
    for keys in [[ACCESS_KEY, "NOSUCHKEY"], ["NOSUCHKEY"], [ACCESS_KEY + "\x00"]]:
        head = f"GET /?x-mss-identity={nonce} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
        head += "".join(f"x-mss-access-key: {key}\r\n" for key in keys) + "Connection: close\r\n\r\n"
        sock = socket.create_connection((HOST, PORT), timeout=10)
        sock.sendall(head.encode("latin-1"))
        answer, _ = read_head(sock)
        sock.close()
        status = int(answer.split(" ", 2)[1]) if answer else None
        assert status is None or 400 <= status < 500, (keys, answer)
        assert "x-mss-identity-proof" not in answer.lower()
