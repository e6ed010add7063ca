"""aws-chunked uploads to mss-server, built by hand with botocore's signer for the seed: signed
chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and unsigned chunks with a checksum trailer
(STREAMING-UNSIGNED-PAYLOAD-TRAILER), as SDKs send them over HTTPS."""
import base64
import hashlib
import hmac
import socket
import types
import urllib.parse
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY, client

HOST = urllib.parse.urlsplit(ENDPOINT).hostname
PORT = urllib.parse.urlsplit(ENDPOINT).port
EMPTY = hashlib.sha256(b"").hexdigest()


def send(method, path, headers, body):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{PORT}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "host"]
    with socket.create_connection((HOST, PORT), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data.partition(b"\r\n\r\n")[2]


def seed_request(path, payload, extra):
    """Signs a PUT whose x-amz-content-sha256 is `payload` (botocore's signer would replace it with
    the hash of the body it sees), following the SigV4 rules by hand."""
    import datetime

    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": f"{HOST}:{PORT}", "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    headers.update({name.lower(): value for name, value in extra.items()})
    names = sorted(headers)
    canonical = "\n".join([
        "PUT", urllib.parse.quote(path, safe="/-_.~"), "",
        "".join(f"{name}:{headers[name].strip()}\n" for name in names), ";".join(names), payload])
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    seed = hmac.new(signing_key(amz_date[:8]), string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
                                f"SignedHeaders={';'.join(names)}, Signature={seed}")
    return types.SimpleNamespace(headers=headers), seed, amz_date


def signing_key(day):
    key = ("AWS4" + SECRET_KEY).encode()
    for part in [day, "us-east-1", "s3", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signed_chunks(data, chunk_size, seed, amz_date, corrupt=None):
    key = signing_key(amz_date[:8])
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    previous = seed
    body = b""
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for index, piece in enumerate(pieces):
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY, hashlib.sha256(piece).hexdigest()])
        signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        previous = signature
        if corrupt == index:
            signature = "0" * 64
        body += f"{len(piece):x};chunk-signature={signature}\r\n".encode() + piece + b"\r\n"
    return body


def test_signed_chunks(bucket):
    data = bytes(range(256)) * 1000
    path = f"/{bucket}/signed-chunks"
    extra = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    request, seed, amz_date = seed_request(path, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra)
    body = signed_chunks(data, 65536, seed, amz_date)
    headers = dict(request.headers.items())
    headers["Content-Length"] = str(len(body))
    status, answer = send("PUT", path, headers, body)
    assert status == 200, answer
    stored = client().get_object(Bucket=bucket, Key="signed-chunks")
    assert stored["Body"].read() == data
    assert "ContentEncoding" not in stored  # aws-chunked is framing, not content


def test_altered_chunk_is_refused(bucket):
    data = b"x" * 200_000
    path = f"/{bucket}/tampered-chunks"
    extra = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data))}
    request, seed, amz_date = seed_request(path, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", extra)
    body = signed_chunks(data, 65536, seed, amz_date, corrupt=1)
    headers = dict(request.headers.items())
    headers["Content-Length"] = str(len(body))
    status, answer = send("PUT", path, headers, body)
    assert status == 403 and b"SignatureDoesNotMatch" in answer
    with pytest.raises(ClientError):
        client().head_object(Bucket=bucket, Key="tampered-chunks")


@pytest.mark.parametrize("good", [True, False], ids=["matching", "mismatching"])
def test_unsigned_chunks_with_checksum_trailer(bucket, good):
    data = b"trailer checked payload " * 5000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode() if good else "AAAAAA=="
    path = f"/{bucket}/trailer-{good}"
    extra = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
             "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm": "CRC32"}
    request, _, _ = seed_request(path, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", extra)
    body = b"".join(f"{len(data[i:i + 8192]):x}\r\n".encode() + data[i:i + 8192] + b"\r\n" for i in range(0, len(data), 8192))
    body += f"0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    headers = dict(request.headers.items())
    headers["Content-Length"] = str(len(body))
    status, answer = send("PUT", path, headers, body)
    if good:
        assert status == 200, answer
        head = client().head_object(Bucket=bucket, Key=f"trailer-{good}", ChecksumMode="ENABLED")
        assert head["ChecksumCRC32"] == crc
        assert client().get_object(Bucket=bucket, Key=f"trailer-{good}")["Body"].read() == data
    else:
        assert status == 400 and b"BadDigest" in answer
        with pytest.raises(ClientError):
            client().head_object(Bucket=bucket, Key=f"trailer-{good}")


def test_signed_payload_mismatch(bucket):
    path = f"/{bucket}/mismatch"
    request, _, _ = seed_request(path, hashlib.sha256(b"what was signed").hexdigest(), {})
    headers = dict(request.headers.items())
    headers["Content-Length"] = "13"
    status, answer = send("PUT", path, headers, b"what was sent")
    assert status == 400 and b"XAmzContentSHA256Mismatch" in answer
    with pytest.raises(ClientError):
        client().head_object(Bucket=bucket, Key="mismatch")
