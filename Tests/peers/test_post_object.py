"""POST Object (browser form uploads) against mss-server, with forms built by boto3's
generate_presigned_post and sent by `requests` (neither is this project's code), by hand-signed
policies for every condition kind, by raw sockets for hostile bodies, and by a real headless
Chromium submitting an HTML form."""
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import socket
import threading
import time
import urllib.parse
import uuid
from http.server import HTTPServer, SimpleHTTPRequestHandler

import boto3
import pytest
import requests
from botocore.config import Config

import rawhttp
from conftest import (ACCESS_KEY, CHROMEDRIVER, CHROMIUM, DATA_DIR, ENDPOINT, SECRET_KEY, client, empty_and_delete,
                      new_bucket_name, require_browser)

REGION = "us-east-1"
PORT = int(urllib.parse.urlsplit(ENDPOINT).port or 80)


def bucket_url(bucket):
    return f"{ENDPOINT}/{bucket}"


def _code(text):
    found = re.search(r"<Code>([^<]*)</Code>", text)
    return found.group(1) if found else None


def _message(text):
    found = re.search(r"<Message>([^<]*)</Message>", text)
    return found.group(1) if found else None


def v4_form(bucket, key, conditions, extra_fields=None, expires_in=300, secret=SECRET_KEY, access_key=ACCESS_KEY,
            expiration=None):
    """A SigV4-signed form, written here from the AWS documentation (not by boto3)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    day = now.strftime("%Y%m%d")
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{access_key}/{day}/{REGION}/s3/aws4_request"
    expiration = expiration or (now + datetime.timedelta(seconds=expires_in))
    fields = {"key": key, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": credential, "x-amz-date": amz_date}
    fields.update(extra_fields or {})
    all_conditions = [{"bucket": bucket}, ["starts-with", "$key", ""], {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                      {"x-amz-credential": credential}, {"x-amz-date": amz_date}] + conditions
    policy = base64.b64encode(json.dumps({
        "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conditions": all_conditions}).encode()).decode()
    key_bytes = rawhttp.signing_key(day, secret=secret)
    fields["policy"] = policy
    fields["x-amz-signature"] = hmac.new(key_bytes, policy.encode(), hashlib.sha256).hexdigest()
    return fields


def post(bucket, fields, data=b"hello form", filename="hello.txt", **kwargs):
    return requests.post(bucket_url(bucket), data=fields, files={"file": (filename, data)}, timeout=30, **kwargs)


def still_serving(s3):
    assert s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


# --- (a) boto3's own presigned POST, V4 and V2 --------------------------------------------

@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_boto3_presigned_post_uploads_with_metadata_and_tags(signature, bucket, s3v4):
    s3 = client(signature)
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>"
    fields = {"Content-Type": "text/plain", "x-amz-meta-origin": "browser", "tagging": tagging, "acl": "private"}
    conditions = [{"Content-Type": "text/plain"}, {"x-amz-meta-origin": "browser"}, {"tagging": tagging},
                  {"acl": "private"}, ["content-length-range", 1, 1024]]
    form = s3.generate_presigned_post(bucket, "up/${filename}", Fields=fields, Conditions=conditions, ExpiresIn=300)
    if signature == "s3":
        assert "AWSAccessKeyId" in form["fields"] and "signature" in form["fields"]
    else:
        assert form["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    body = os.urandom(700)
    response = requests.post(form["url"], data=form["fields"], files={"file": ("pic.bin", body)}, timeout=30)
    assert response.status_code == 204, response.text
    etag = response.headers["ETag"]
    assert etag == '"%s"' % hashlib.md5(body).hexdigest()
    assert response.headers["Location"].endswith(f"/{bucket}/up/pic.bin")
    got = s3v4.get_object(Bucket=bucket, Key="up/pic.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"origin": "browser"}
    assert got["ETag"] == etag
    tags = s3v4.get_object_tagging(Bucket=bucket, Key="up/pic.bin")["TagSet"]
    assert tags == [{"Key": "team", "Value": "web"}]


# --- (b) every condition, pass and fail ---------------------------------------------------

def test_exact_condition_passes_and_fails(bucket, s3v4):
    fields = v4_form(bucket, "eq/ok", [{"Content-Type": "image/png"}], {"Content-Type": "image/png"})
    assert post(bucket, fields).status_code == 204
    assert s3v4.head_object(Bucket=bucket, Key="eq/ok")["ContentType"] == "image/png"
    fields = v4_form(bucket, "eq/bad", [{"Content-Type": "image/png"}], {"Content-Type": "image/gif"})
    response = post(bucket, fields)
    assert response.status_code == 403
    assert _code(response.text) == "AccessDenied"
    assert _message(response.text) == 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'


def test_eq_array_form_and_key_condition(bucket):
    fields = v4_form(bucket, "fixed", [["eq", "$key", "fixed"]])
    fields_bad = v4_form(bucket, "other", [["eq", "$key", "fixed"]])
    assert post(bucket, fields).status_code == 204
    response = post(bucket, fields_bad)
    assert (response.status_code, _code(response.text)) == (403, "AccessDenied")
    assert _message(response.text) == 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "fixed"]'


def test_starts_with_and_content_type_lists(bucket, s3v4):
    ok = v4_form(bucket, "user/1/a.txt", [["starts-with", "$key", "user/1/"], ["starts-with", "$Content-Type", "image/"]],
                 {"Content-Type": "image/png, image/jpeg"})
    assert post(bucket, ok).status_code == 204
    assert s3v4.head_object(Bucket=bucket, Key="user/1/a.txt")["ContentLength"] == len(b"hello form")
    bad_key = v4_form(bucket, "user/2/a.txt", [["starts-with", "$key", "user/1/"]])
    response = post(bucket, bad_key)
    assert (response.status_code, _code(response.text)) == (403, "AccessDenied")
    assert "starts-with" in _message(response.text)
    # Each comma-separated type must match, not just the first.
    bad_list = v4_form(bucket, "user/1/b.txt", [["starts-with", "$Content-Type", "image/"]], {"Content-Type": "image/png, text/html"})
    assert (post(bucket, bad_list).status_code) == 403


def test_content_length_range_boundaries(bucket, s3v4):
    def attempt(size):
        fields = v4_form(bucket, f"range/{size}", [["content-length-range", 10, 20]])
        return post(bucket, fields, data=b"x" * size)

    assert attempt(10).status_code == 204
    assert attempt(20).status_code == 204
    small = attempt(9)
    assert (small.status_code, _code(small.text)) == (400, "EntityTooSmall")
    large = attempt(21)
    assert (large.status_code, _code(large.text)) == (400, "EntityTooLarge")
    keys = sorted(o["Key"] for o in s3v4.list_objects_v2(Bucket=bucket, Prefix="range/").get("Contents", []))
    assert keys == ["range/10", "range/20"]


def test_expired_policy(bucket):
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    response = post(bucket, v4_form(bucket, "late", [], expiration=past))
    assert (response.status_code, _code(response.text)) == (403, "AccessDenied")
    assert _message(response.text) == "Invalid according to Policy: Policy expired."


def test_tampered_policy_signature_and_wrong_key(bucket, s3v4):
    fields = v4_form(bucket, "t", [])
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"].append({"acl": "public-read"})
    tampered = dict(fields, policy=base64.b64encode(json.dumps(policy).encode()).decode())
    response = post(bucket, tampered)
    assert (response.status_code, _code(response.text)) == (403, "SignatureDoesNotMatch")
    flipped = dict(fields, **{"x-amz-signature": ("0" if fields["x-amz-signature"][0] != "0" else "1") + fields["x-amz-signature"][1:]})
    assert _code(post(bucket, flipped).text) == "SignatureDoesNotMatch"
    other_secret = v4_form(bucket, "t", [], secret="not-the-secret")
    assert _code(post(bucket, other_secret).text) == "SignatureDoesNotMatch"
    unknown = v4_form(bucket, "t", [], access_key="NOSUCHKEY0000000")
    response = post(bucket, unknown)
    assert (response.status_code, _code(response.text)) == (403, "InvalidAccessKeyId")
    assert "Contents" not in s3v4.list_objects_v2(Bucket=bucket)


def test_extra_field_and_ignored_fields(bucket):
    fields = v4_form(bucket, "extra", [], {"x-amz-meta-sneaky": "1"})
    response = post(bucket, fields)
    assert (response.status_code, _code(response.text)) == (403, "AccessDenied")
    assert _message(response.text) == "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky"
    # x-ignore-* fields need no condition; fields after the file are ignored altogether.
    fields = v4_form(bucket, "ignored", [], {"x-ignore-note": "whatever"})
    response = requests.post(bucket_url(bucket), files=[*[(k, (None, v)) for k, v in fields.items()],
                                                        ("file", ("f.txt", b"data")), ("x-amz-meta-after", (None, "late"))],
                             timeout=30)
    assert response.status_code == 204, response.text


def test_filename_substitution_and_missing_key(bucket, s3v4):
    fields = v4_form(bucket, "uploads/${filename}", [])
    assert post(bucket, fields, filename="report final.pdf").status_code == 204
    assert s3v4.get_object(Bucket=bucket, Key="uploads/report final.pdf")["Body"].read() == b"hello form"
    fields = v4_form(bucket, "k", [])
    del fields["key"]
    response = post(bucket, fields)
    assert (response.status_code, _code(response.text)) == (400, "InvalidArgument")
    assert _message(response.text).startswith("Bucket POST must contain a field named 'key'.")


@pytest.mark.parametrize("status,expected", [("200", 200), ("201", 201), ("204", 204), ("302", 204)])
def test_success_action_status(bucket, status, expected):
    fields = v4_form(bucket, f"status-{status}", [{"success_action_status": status}], {"success_action_status": status})
    response = post(bucket, fields)
    assert response.status_code == expected, response.text
    if expected == 201:
        assert f"<Bucket>{bucket}</Bucket>" in response.text
        assert f"<Key>status-{status}</Key>" in response.text
        assert f"<ETag>{response.headers['ETag']}</ETag>" in response.text.replace("&quot;", '"')
        assert "<Location>" in response.text
    else:
        assert response.content == b""


def test_success_action_redirect(bucket):
    target = "https://example.com/done?x=1"
    fields = v4_form(bucket, "redir", [{"success_action_redirect": target}], {"success_action_redirect": target})
    response = post(bucket, fields, allow_redirects=False)
    assert response.status_code == 303
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "example.com", "/done")
    query = urllib.parse.parse_qs(location.query)
    assert query["x"] == ["1"] and query["bucket"] == [bucket] and query["key"] == ["redir"]
    assert query["etag"] == [response.headers["ETag"]]
    # Not a URL: S3 falls back to the status.
    fields = v4_form(bucket, "redir2", [{"success_action_redirect": "not a url"}], {"success_action_redirect": "not a url"})
    assert post(bucket, fields, allow_redirects=False).status_code == 204


def test_anonymous_post_needs_public_write(s3v4):
    name = new_bucket_name("post-anon")
    s3v4.create_bucket(Bucket=name)
    try:
        response = post(name, {"key": "anon"})
        assert (response.status_code, _code(response.text)) == (403, "AccessDenied")
        s3v4.put_bucket_acl(Bucket=name, ACL="public-read-write")
        assert post(name, {"key": "anon"}).status_code == 204
        assert s3v4.get_object(Bucket=name, Key="anon")["Body"].read() == b"hello form"
    finally:
        empty_and_delete(s3v4, name)


def test_signer_without_write_is_denied(bucket):
    other = os.environ.get("MSS_SERVER_USERS", "").split()
    if not other:
        pytest.skip("no second user configured")
    access, secret = other[0].split("|")
    response = post(bucket, v4_form(bucket, "x", [], access_key=access, secret=secret))
    assert (response.status_code, _code(response.text)) == (403, "AccessDenied")


def test_field_values_are_checked_as_put_object_checks_headers(bucket, s3v4):
    def attempt(key, extra, filename="f.txt"):
        fields = v4_form(bucket, key, [{k: v} for k, v in extra.items()], extra)
        return post(bucket, fields, filename=filename)

    bad_tags = attempt("t1", {"tagging": "<Tagging><TagSet><Tag><Key>k</Key>"})
    assert (bad_tags.status_code, _code(bad_tags.text)) == (400, "MalformedXML")
    many = "".join(f"<Tag><Key>k{i}</Key><Value>v</Value></Tag>" for i in range(11))
    too_many = attempt("t2", {"tagging": f"<Tagging><TagSet>{many}</TagSet></Tagging>"})
    assert too_many.status_code == 400
    bad_acl = attempt("t3", {"acl": "world-writable"})
    assert (bad_acl.status_code, _code(bad_acl.text)) == (400, "InvalidArgument")
    big_meta = attempt("t4", {"x-amz-meta-big": "x" * 2100})
    assert (big_meta.status_code, _code(big_meta.text)) == (400, "MetadataTooLarge")
    long_key = post(bucket, v4_form(bucket, "k" * 1000 + "${filename}", []), filename="n" * 100)
    assert (long_key.status_code, _code(long_key.text)) == (400, "KeyTooLongError")
    assert "Contents" not in s3v4.list_objects_v2(Bucket=bucket)
    # A public-read form makes an object strangers can read.
    assert attempt("public", {"acl": "public-read"}).status_code == 204
    assert requests.get(f"{ENDPOINT}/{bucket}/public", timeout=30).content == b"hello form"
    assert requests.get(f"{ENDPOINT}/{bucket}/t3", timeout=30).status_code in (403, 404)


# --- hostile bodies -----------------------------------------------------------------------

def raw_post(bucket, body, content_type, extra_headers=None, declared=None):
    headers = {"Content-Type": content_type, "Content-Length": str(len(body) if declared is None else declared)}
    headers.update(extra_headers or {})
    return rawhttp.request("POST", f"/{bucket}", headers=headers, body=body, port=PORT)


def test_hostile_bodies_are_refused_and_server_keeps_serving(bucket, s3v4):
    fields = v4_form(bucket, "h", [])
    no_boundary = raw_post(bucket, b"--x\r\n", "multipart/form-data")
    assert (no_boundary.status, rawhttp.error_code(no_boundary)) == (400, "MalformedPOSTRequest")
    not_form = raw_post(bucket, b"key=a", "application/x-www-form-urlencoded")
    assert (not_form.status, rawhttp.error_code(not_form)) == (412, "PreconditionFailed")
    unterminated = b"--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nabc"
    response = raw_post(bucket, unterminated, "multipart/form-data; boundary=B")
    assert (response.status, rawhttp.error_code(response)) == (400, "MalformedPOSTRequest")
    big = b"--B\r\nContent-Disposition: form-data; name=\"x-ignore-pad\"\r\n\r\n" + b"a" * (1 << 20) + b"\r\n--B--\r\n"
    response = raw_post(bucket, big, "multipart/form-data; boundary=B")
    assert (response.status, rawhttp.error_code(response)) == (400, "MaxPostPreDataLengthExceeded")
    # Past 5 GiB plus the form's allowance: refused before a byte is read.
    huge = raw_post(bucket, b"", "multipart/form-data; boundary=B", declared=str(6 << 30))
    assert (huge.status, rawhttp.error_code(huge)) == (400, "EntityTooLarge")
    # Past any integer: HTTP parsing refuses it first.
    overflow = raw_post(bucket, b"", "multipart/form-data; boundary=B", declared="99999999999999999999999")
    assert overflow.status == 400
    parts = b"".join(
        b"--B\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (k.encode(), v.encode()) for k, v in fields.items())
    two_files = parts + (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nAAA\r\n"
                         b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b\"\r\n\r\nBBB\r\n--B--\r\n")
    response = raw_post(bucket, two_files, "multipart/form-data; boundary=B")
    assert (response.status, rawhttp.error_code(response)) == (400, "IncorrectNumberOfFilesInPostRequest")
    no_file = parts + b"--B--\r\n"
    response = raw_post(bucket, no_file, "multipart/form-data; boundary=B")
    assert (response.status, rawhttp.error_code(response)) == (400, "IncorrectNumberOfFilesInPostRequest")
    garbage = raw_post(bucket, b"--B\r\nno colon here\r\n\r\nx\r\n--B--\r\n", "multipart/form-data; boundary=B")
    assert (garbage.status, rawhttp.error_code(garbage)) == (400, "MalformedPOSTRequest")
    # A boundary-looking prefix inside the file is data, and the file arrives intact.
    tricky = b"\r\n--B-not-quite\r\n--" + os.urandom(2000) + b"\r\n--"
    ok = parts + b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t\"\r\n\r\n" + tricky + b"\r\n--B--\r\n"
    response = raw_post(bucket, ok, "multipart/form-data; boundary=B")
    assert response.status == 204
    assert s3v4.get_object(Bucket=bucket, Key="h")["Body"].read() == tricky
    assert "Contents" in s3v4.list_objects_v2(Bucket=bucket)
    still_serving(s3v4)


def test_bucket_url_with_trailing_slash(bucket, s3v4):
    fields = v4_form(bucket, "slash", [])
    response = requests.post(f"{ENDPOINT}/{bucket}/", data=fields, files={"file": ("f", b"slash")}, timeout=30)
    assert response.status_code == 204
    assert s3v4.get_object(Bucket=bucket, Key="slash")["Body"].read() == b"slash"


def test_virtual_host_style_post(tmp_path, monkeypatch):
    """boto3's presigned POST for a virtual-host client, on a server run with `--domain localhost`."""
    from server_process import ACCESS_KEY as KEY, SECRET_KEY as SECRET, ServerProcess

    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        return real("127.0.0.1" if isinstance(host, str) and host.endswith(".localhost") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", extra_args=["--domain", "localhost"]).start()
    try:
        virtual = boto3.client(
            "s3", endpoint_url=f"http://localhost:{server.port}", aws_access_key_id=KEY, aws_secret_access_key=SECRET,
            region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
        virtual.create_bucket(Bucket="vhost-post")
        form = virtual.generate_presigned_post("vhost-post", "v/${filename}", ExpiresIn=300)
        assert form["url"].startswith(f"http://vhost-post.localhost:{server.port}")
        response = requests.post(form["url"], data=form["fields"], files={"file": ("doc.txt", b"virtual form")}, timeout=30)
        assert response.status_code == 204, response.text
        assert response.headers["Location"] == f"http://vhost-post.localhost:{server.port}/v/doc.txt"
        assert virtual.get_object(Bucket="vhost-post", Key="v/doc.txt")["Body"].read() == b"virtual form"
    finally:
        server.stop()


# --- (c) a real browser -------------------------------------------------------------------

def test_headless_chromium_submits_the_form(bucket, s3v4, tmp_path):
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome import service
    chromium, chromedriver = CHROMIUM, CHROMEDRIVER
    fields = v4_form(bucket, "browser/${filename}", [{"success_action_status": "201"}], {"success_action_status": "201"})
    inputs = "\n".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    (tmp_path / "form.html").write_text(
        f'<html><body><form id="f" action="{bucket_url(bucket)}" method="post" enctype="multipart/form-data">'
        f'{inputs}<input type="file" name="file" id="file"><input type="submit" id="go"></form></body></html>')
    upload = tmp_path / "from-browser.txt"
    upload.write_bytes(b"sent by chromium\n")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=service.Service(executable_path=chromedriver), options=options)
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/form.html")
        driver.find_element("id", "file").send_keys(str(upload))
        driver.find_element("id", "go").click()
        deadline = time.time() + 20
        while time.time() < deadline and "PostResponse" not in driver.page_source:
            time.sleep(0.2)
        assert "browser/from-browser.txt" in driver.page_source
    finally:
        driver.quit()
        server.shutdown()
    assert s3v4.get_object(Bucket=bucket, Key="browser/from-browser.txt")["Body"].read() == b"sent by chromium\n"


# --- server-side encryption fields --------------------------------------------------------

def _files_containing(root, needle):
    found = []
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            try:
                with open(path, "rb") as handle:
                    if needle in handle.read():
                        found.append(path)
            except OSError:
                pass
    return found


def test_sse_fields_encrypt_the_upload(bucket, s3v4):
    plaintext = b"form secret " + uuid.uuid4().hex.encode() * 50
    fields = v4_form(bucket, "sse-s3", [{"x-amz-server-side-encryption": "AES256"}], {"x-amz-server-side-encryption": "AES256"})
    response = post(bucket, fields, data=plaintext)
    assert response.status_code == 204, response.text
    assert response.headers["x-amz-server-side-encryption"] == "AES256"
    got = s3v4.get_object(Bucket=bucket, Key="sse-s3")
    assert got["ServerSideEncryption"] == "AES256" and got["Body"].read() == plaintext

    key = os.urandom(32)
    key_b64 = base64.b64encode(key).decode()
    md5_b64 = base64.b64encode(hashlib.md5(key).digest()).decode()
    sse_c = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
             "x-amz-server-side-encryption-customer-key": key_b64,
             "x-amz-server-side-encryption-customer-key-MD5": md5_b64}
    fields = v4_form(bucket, "sse-c", [{k: v} for k, v in sse_c.items()], sse_c)
    response = post(bucket, fields, data=plaintext)
    assert response.status_code == 204, response.text
    assert response.headers["ETag"] != '"%s"' % hashlib.md5(plaintext).hexdigest()
    with pytest.raises(Exception):
        s3v4.get_object(Bucket=bucket, Key="sse-c")
    got = s3v4.get_object(Bucket=bucket, Key="sse-c", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert got["Body"].read() == plaintext
    if DATA_DIR:
        assert _files_containing(DATA_DIR, plaintext[:40]) == []

    kms = v4_form(bucket, "kms", [{"x-amz-server-side-encryption": "aws:kms"}], {"x-amz-server-side-encryption": "aws:kms"})
    response = post(bucket, kms)
    assert (response.status_code, _code(response.text)) == (501, "NotImplemented")
    bad = v4_form(bucket, "bad", [{"x-amz-server-side-encryption": "rot13"}], {"x-amz-server-side-encryption": "rot13"})
    assert (post(bucket, bad).status_code, _code(post(bucket, bad).text)) == (400, "InvalidArgument")
