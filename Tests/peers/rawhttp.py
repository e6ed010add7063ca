"""Raw HTTP over sockets and hand-made SigV2/SigV4 signatures, for requests no SDK would send:
hostile dates, unsigned extra headers, presigned URLs with odd parameters, hand-framed bodies.

Shared by the hardening, raw-fuzz and crash-safety tests (not a test module itself).
"""
import base64
import datetime
import hashlib
import hmac
import io
import os
import re
import socket
import threading
import types
import urllib.parse

import boto3
from botocore.config import Config

from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY

HOST = urllib.parse.urlsplit(ENDPOINT).hostname if ENDPOINT else "127.0.0.1"
PORT = urllib.parse.urlsplit(ENDPOINT).port if ENDPOINT else 0
IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")
IMAGE_PORT = urllib.parse.urlsplit(IMAGE_ENDPOINT).port if IMAGE_ENDPOINT else 0
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
REGION = "us-east-1"


# MARK: sending


def parse_response(data):
    """(status, headers as a lower-case dict, body) of the first response in `data`, or None."""
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator and not head.startswith(b"HTTP/"):
        return None
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        body = body[:int(length)]
    return types.SimpleNamespace(status=int(parts[1]), headers=headers, body=body)


def _response_complete(data, method):
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return False
    status_line = head.split(b"\r\n", 1)[0].split(b" ")
    if len(status_line) > 1 and status_line[1] == b"100":
        # An interim 100 Continue; the real answer follows.
        return _response_complete(body, method)
    if method == "HEAD":
        return True
    match = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.IGNORECASE)
    if match:
        return len(body) >= int(match.group(1))
    if re.search(rb"\r\ntransfer-encoding:\s*chunked", head, re.IGNORECASE):
        return body.endswith(b"0\r\n\r\n")
    return False


def exchange(data, port=None, host=None, timeout=20, method=None, chunks=None, shutdown_write=False):
    """Sends `data` (bytes, or an iterable of byte strings when `chunks` is given) on a new
    connection while reading the answer at the same time, so an early answer (a 400 before the
    body is all sent) is read before the server closes. Returns the parsed response (interim
    100 Continue skipped), or None if the connection closed without one."""
    method = method or (data[:data.index(b" ")].decode("latin-1", "replace") if data and b" " in data[:20] else "")
    sock = socket.create_connection((host or HOST, port or PORT), timeout=timeout)
    received = []
    done = threading.Event()

    def send():
        try:
            if chunks is not None:
                for piece in chunks:
                    if done.is_set():
                        return
                    sock.sendall(piece)
            else:
                sock.sendall(data)
            if shutdown_write:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        while True:
            try:
                piece = sock.recv(1 << 16)
            except socket.timeout:
                break
            except OSError:
                break
            if not piece:
                break
            received.append(piece)
            if _response_complete(b"".join(received), method):
                break
    finally:
        done.set()
        try:
            sock.close()
        except OSError:
            pass
        sender.join(timeout=5)
    data = b"".join(received)
    while data.startswith(b"HTTP/1.1 100") or data.startswith(b"HTTP/1.0 100"):
        data = data.partition(b"\r\n\r\n")[2]
    return parse_response(data) if data else None


def build(method, target, headers, body=b"", host_header=None):
    """Bytes of one HTTP/1.1 request. `headers` is a list of (name, value) or a dict; Host and
    Connection: close are added unless present."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    names = {name.lower() for name, _ in items}
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host_header or f'{HOST}:{PORT}'}")
    if "connection" not in names:
        lines.append("Connection: close")
    lines += [f"{name}: {value}" for name, value in items]
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def request(method, target, headers=None, body=b"", port=None, timeout=20, shutdown_write=False):
    port = port or PORT
    data = build(method, target, headers or {}, body, host_header=f"{HOST}:{port}")
    return exchange(data, port=port, timeout=timeout, method=method, shutdown_write=shutdown_write)


def error_code(response):
    match = re.search(rb"<Code>([^<]*)</Code>", response.body or b"")
    return match.group(1).decode() if match else None


def error_message(response):
    match = re.search(rb"<Message>([^<]*)</Message>", response.body or b"")
    return match.group(1).decode() if match else ""


# MARK: SigV4 by hand


def quote(text, safe="-_.~"):
    return urllib.parse.quote(text, safe=safe)


def amz_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def signing_key(day, secret=None, region=REGION):
    key = ("AWS4" + (secret or SECRET_KEY)).encode()
    for part in [day, region, "s3", "aws4_request"]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def canonical_query(items):
    return "&".join(f"{quote(name)}={quote(value)}" for name, value in sorted(items))


def v4_signature(method, path, query_items, headers, signed_names, payload_hash, amz_date, day=None, secret=None):
    """The signature (and string to sign) of a request; `path` is the raw, already-encoded path;
    `headers` is a dict of lower-case names."""
    day = day or amz_date[:8]
    canonical = "\n".join([
        method, path, canonical_query(query_items),
        "".join(f"{name}:{' '.join(str(headers[name]).split())}\n" for name in signed_names),
        ";".join(signed_names), payload_hash])
    scope = f"{day}/{REGION}/s3/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    return hmac.new(signing_key(day, secret), string_to_sign.encode(), hashlib.sha256).hexdigest()


def v4_headers(method, path, query_items=(), extra=None, payload_hash=EMPTY_SHA256, amz_date=None, port=None,
               date_header=("x-amz-date", None), day=None, sign=None):
    """Headers (a dict, lower-case names) of a SigV4 header-signed request. `extra` headers are
    signed unless `sign` names the headers to sign. `date_header` = (name, value) replaces the
    x-amz-date header (value None: now); `day` overrides the credential scope's date."""
    amz_date = amz_date or amz_now()
    name, value = date_header
    headers = {"host": f"{HOST}:{port or PORT}", "x-amz-content-sha256": payload_hash, name: value or amz_date}
    headers.update({k.lower(): v for k, v in (extra or {}).items()})
    signed = sorted(sign if sign is not None else headers)
    day = day or amz_date[:8]
    signature = v4_signature(method, path, list(query_items), headers, signed, payload_hash, amz_date, day=day)
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{day}/{REGION}/s3/aws4_request, "
                                f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    return headers


def v4_presigned_query(method, path, expires="300", signed_names=("host",), extra_query=(), headers=None,
                       payload_hash="UNSIGNED-PAYLOAD", amz_date=None, port=None):
    """A presigned SigV4 query string built by hand: every parameter is under the caller's
    control (SignedHeaders without host, X-Amz-Content-Sha256 in the query, huge X-Amz-Expires)."""
    amz_date = amz_date or amz_now()
    day = amz_date[:8]
    items = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
             ("X-Amz-Credential", f"{ACCESS_KEY}/{day}/{REGION}/s3/aws4_request"),
             ("X-Amz-Date", amz_date), ("X-Amz-Expires", str(expires)),
             ("X-Amz-SignedHeaders", ";".join(signed_names))] + list(extra_query)
    all_headers = {"host": f"{HOST}:{port or PORT}"}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    signature = v4_signature(method, path, items, all_headers, list(signed_names), payload_hash, amz_date)
    return canonical_query(items + [("X-Amz-Signature", signature)])


# MARK: SigV2 by hand


def v2_authorization(method, resource, headers, date_value, content_md5="", content_type=""):
    amz = sorted((k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-amz-") and k.lower() != "x-amz-date")
    string_to_sign = "\n".join([method, content_md5, content_type, date_value]) + "\n"
    string_to_sign += "".join(f"{k}:{v}\n" for k, v in amz) + resource
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    return f"AWS {ACCESS_KEY}:{signature}"


def v2_query_signature(method, resource, expires):
    string_to_sign = f"{method}\n\n\n{expires}\n{resource}"
    return base64.b64encode(hmac.new(SECRET_KEY.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


# MARK: aws-chunked by hand


def chunk_signatures(pieces, seed, amz_date):
    """The chunk signatures of `pieces` (the last one should be b"") chained from `seed`."""
    key = signing_key(amz_date[:8])
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    previous = seed
    signatures = []
    for piece in pieces:
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256,
                                    hashlib.sha256(piece).hexdigest()])
        previous = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        signatures.append(previous)
    return signatures


def trailer_signature(trailer_lines, previous, amz_date):
    """x-amz-trailer-signature: over the trailer lines as `name:value\\n`, chained from the final
    chunk's signature (AWS4-HMAC-SHA256-TRAILER)."""
    scope = f"{amz_date[:8]}/{REGION}/s3/aws4_request"
    canonical = "".join(f"{name}:{value}\n" for name, value in trailer_lines)
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous,
                                hashlib.sha256(canonical.encode()).hexdigest()])
    return hmac.new(signing_key(amz_date[:8]), string_to_sign.encode(), hashlib.sha256).hexdigest()


def seed_of(headers):
    return headers["authorization"].rsplit("Signature=", 1)[1]


# MARK: the image port


def image_client(signature="s3v4"):
    """boto3 pointed at the image port (GET /bucket/key@process)."""
    return boto3.client(
        "s3", endpoint_url=IMAGE_ENDPOINT, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def jpeg_bytes(size=(64, 32), color=(200, 30, 30)):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()
