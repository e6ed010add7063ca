"""The web console (`/_console/` on the S3 port) over plain HTTP, no browser: cookie flags, CSRF
and Origin checks, session expiry and logout, security headers, asset paths that try to leave
the console, hostile sign-in bodies, the sign-in rate limit, and `--no-console`.

The browser tests (Selenium, headless Chromium) are in test_console.py and import the helpers
here."""
import concurrent.futures
import json
import os
import re
import subprocess
import time
import urllib.parse

import pytest
import requests

import rawhttp
from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY, empty_and_delete, new_bucket_name
from server_process import ServerProcess
import server_process

CONSOLE = ENDPOINT + "/_console/"
CSRF_HEADER = "X-MSS-Console-CSRF"


def other_users():
    """(access key, secret) of the --users users scripts/test.sh starts the server with."""
    return [tuple(entry.split("|", 1)) for entry in os.environ.get("MSS_SERVER_USERS", "").split() if "|" in entry]


def origin_of(endpoint):
    return endpoint.rstrip("/")


def sign_in(endpoint=ENDPOINT, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    """A requests session signed in to the console at `endpoint`, and its CSRF token."""
    session = requests.Session()
    response = session.post(
        endpoint + "/_console/login", data={"access_key": access_key, "secret_key": secret_key},
        headers={"Origin": origin_of(endpoint)}, allow_redirects=False, timeout=30)
    assert response.status_code == 303, (response.status_code, response.text[:300])
    page = session.get(endpoint + "/_console/", timeout=30)
    match = re.search(r'data-csrf="([^"]+)"', page.text)
    assert match, page.text[:500]
    return session, match.group(1)


def api(session, token, path, payload, endpoint=ENDPOINT, origin=None, **headers):
    all_headers = {"Origin": origin or origin_of(endpoint), "Content-Type": "application/json"}
    if token is not None:
        all_headers[CSRF_HEADER] = token
    all_headers.update(headers)
    return session.post(endpoint + "/_console/api/" + path, json=payload, headers=all_headers, timeout=30)


def presigned(session, token, method, bucket=None, key=None, query=None, endpoint=ENDPOINT, **extra):
    payload = {"method": method, "query": query or []}
    if bucket:
        payload["bucket"] = bucket
    if key:
        payload["key"] = key
    payload.update(extra)
    response = api(session, token, "presign", payload, endpoint=endpoint)
    assert response.status_code == 200, response.text
    return response.json()["url"]


SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
}


def assert_secure_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, dict(response.headers))
    policy = response.headers.get("content-security-policy", "")
    for directive in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"):
        assert directive in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy


@pytest.fixture
def console_bucket(s3v4):
    name = new_bucket_name("console")
    s3v4.create_bucket(Bucket=name)
    s3v4.put_object(Bucket=name, Key="hello.txt", Body=b"hello console")
    yield name
    empty_and_delete(s3v4, name)


# MARK: anonymous visitors


def test_anonymous_visitor_gets_the_login_form_and_no_data(console_bucket):
    response = requests.get(CONSOLE, timeout=30)
    assert response.status_code == 200
    assert 'action="/_console/login"' in response.text
    assert console_bucket not in response.text and "hello.txt" not in response.text
    assert "data-csrf" not in response.text
    assert_secure_headers(response)
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method,path", [
    ("GET", "api/session"), ("POST", "api/presign"), ("POST", "api/image"), ("POST", "logout"),
])
def test_console_endpoints_refuse_requests_without_the_cookie(method, path):
    response = requests.request(
        method, CONSOLE + path, json={"method": "GET"}, headers={"Origin": ENDPOINT, CSRF_HEADER: "x" * 43}, timeout=30)
    assert response.status_code in (401, 403), (response.status_code, response.text)
    assert "url" not in response.text and "<Bucket>" not in response.text


def test_a_forged_or_stale_cookie_is_no_session():
    for value in ["A" * 43, "not-a-token", "", "A" * 5000, "../../etc/passwd"]:
        response = requests.get(CONSOLE + "api/session", cookies={"mss_console": value}, timeout=30)
        assert response.status_code == 401, (value, response.status_code)
        page = requests.get(CONSOLE, cookies={"mss_console": value}, timeout=30)
        assert 'action="/_console/login"' in page.text


def test_console_without_a_slash_redirects():
    response = requests.get(ENDPOINT + "/_console", allow_redirects=False, timeout=30)
    assert response.status_code in (301, 308) and response.headers["location"] == "/_console/"


# MARK: signing in


def test_sign_in_sets_a_strict_http_only_cookie_scoped_to_the_console():
    response = requests.post(
        CONSOLE + "login", data={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY},
        headers={"Origin": ENDPOINT}, allow_redirects=False, timeout=30)
    assert response.status_code == 303 and response.headers["location"] == "/_console/"
    cookie = response.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    name, _, value = attributes[0].partition("=")
    assert name == "mss_console"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.split(";")[0].split("=", 1)[1])  # 256 random bits
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/_console" in attributes
    max_age = [a for a in attributes if a.startswith("max-age=")]
    assert max_age and 0 < int(max_age[0].split("=")[1]) <= 7 * 86400
    assert SECRET_KEY not in cookie and "secure" not in attributes  # plain HTTP: a Secure cookie would be dropped
    assert_secure_headers(response)
    # Reached through an HTTPS proxy (the page's Origin says so): the cookie is Secure too.
    proxied = requests.post(
        CONSOLE + "login", data={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY},
        headers={"Origin": ENDPOINT.replace("http://", "https://")}, allow_redirects=False, timeout=30)
    assert proxied.status_code == 303
    assert "secure" in [part.strip().lower() for part in proxied.headers["set-cookie"].split(";")]


def test_two_sign_ins_get_different_sessions_and_tokens():
    first, first_token = sign_in()
    second, second_token = sign_in()
    assert first.cookies["mss_console"] != second.cookies["mss_console"]
    assert first_token != second_token
    # A token belongs to its session.
    response = api(first, second_token, "presign", {"method": "GET"})
    assert response.status_code == 403


def test_wrong_keys_are_refused_slowly_and_set_no_cookie():
    for access_key, secret_key in [(ACCESS_KEY, SECRET_KEY + "x"), ("NOSUCHKEY000", SECRET_KEY), (ACCESS_KEY, "")]:
        started = time.monotonic()
        response = requests.post(
            CONSOLE + "login", data={"access_key": access_key, "secret_key": secret_key},
            headers={"Origin": ENDPOINT}, allow_redirects=False, timeout=30)
        elapsed = time.monotonic() - started
        assert response.status_code in (400, 401), response.status_code
        assert "set-cookie" not in response.headers
        assert 'action="/_console/login"' in response.text
        if secret_key:
            assert response.status_code == 401 and "Wrong access key or secret key" in response.text
            assert elapsed >= 0.9, elapsed  # no fast oracle
        if secret_key:
            assert secret_key not in response.text


def test_a_users_file_user_signs_in_and_sees_only_their_own_buckets(s3v4, console_bucket):
    users = other_users()
    if not users:
        pytest.skip("the server runs without --users (MSS_SERVER_USERS is empty)")
    access_key, secret_key = users[0]
    session, token = sign_in(access_key=access_key, secret_key=secret_key)
    info = session.get(CONSOLE + "api/session", timeout=30).json()
    assert info["accessKey"] == access_key
    listing = requests.get(presigned(session, token, "GET"), timeout=30)
    assert listing.status_code == 200
    assert console_bucket not in listing.text  # the primary user's bucket
    # Its URLs carry its own key, so S3's ACLs still apply.
    assert "X-Amz-Credential=" + access_key in presigned(session, token, "GET", console_bucket, "hello.txt")
    refused = requests.get(presigned(session, token, "GET", console_bucket, "hello.txt"), timeout=30)
    assert refused.status_code == 403


@pytest.mark.parametrize("headers", [
    {},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Referer": "http://evil.example/_console/"},
    {"Origin": ENDPOINT.replace("127.0.0.1", "localhost")},
], ids=["none", "foreign-origin", "null-origin", "foreign-referer", "other-host-name"])
def test_sign_in_from_another_origin_is_refused(headers):
    response = requests.post(
        CONSOLE + "login", data={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY}, headers=headers,
        allow_redirects=False, timeout=30)
    assert response.status_code == 403, response.status_code
    assert "set-cookie" not in response.headers


def test_sign_in_with_a_same_origin_referer_and_no_origin_works():
    response = requests.post(
        CONSOLE + "login", data={"access_key": ACCESS_KEY, "secret_key": SECRET_KEY},
        headers={"Referer": CONSOLE}, allow_redirects=False, timeout=30)
    assert response.status_code == 303 and "mss_console=" in response.headers["set-cookie"]


# MARK: CSRF


def test_state_changing_requests_need_the_csrf_token_and_the_origin():
    session, token = sign_in()
    payload = {"method": "GET"}
    assert api(session, token, "presign", payload).status_code == 200
    assert api(session, None, "presign", payload).status_code == 403
    assert api(session, "A" * 43, "presign", payload).status_code == 403
    assert api(session, token[:-1], "presign", payload).status_code == 403
    assert api(session, token, "presign", payload, origin="http://evil.example").status_code == 403
    # No Origin and no Referer: refused too.
    bare = session.post(CONSOLE + "api/presign", json=payload, headers={CSRF_HEADER: token}, timeout=30)
    assert bare.status_code == 403
    # Logging out is state-changing as well.
    assert session.post(CONSOLE + "logout", headers={"Origin": ENDPOINT}, timeout=30).status_code == 403
    assert session.get(CONSOLE + "api/session", timeout=30).status_code == 200
    # GET cannot stand in for POST.
    assert session.get(CONSOLE + "api/presign", timeout=30).status_code == 405
    assert session.get(CONSOLE + "logout", timeout=30).status_code == 405


def test_logout_ends_the_session_on_the_server():
    session, token = sign_in()
    cookie = session.cookies["mss_console"]
    response = session.post(CONSOLE + "logout", headers={"Origin": ENDPOINT, CSRF_HEADER: token}, timeout=30)
    assert response.status_code == 204
    assert "max-age=0" in response.headers["set-cookie"].lower()
    # The old cookie, replayed, is nothing any more.
    replay = requests.get(CONSOLE + "api/session", cookies={"mss_console": cookie}, timeout=30)
    assert replay.status_code == 401
    replay = requests.post(
        CONSOLE + "api/presign", cookies={"mss_console": cookie}, json={"method": "GET"},
        headers={"Origin": ENDPOINT, CSRF_HEADER: token}, timeout=30)
    assert replay.status_code == 401


# MARK: what signed-in pages carry


def test_signed_in_pages_and_assets_carry_the_security_headers():
    session, _ = sign_in()
    page = session.get(CONSOLE, timeout=30)
    assert page.status_code == 200 and "console.js" in page.text
    assert_secure_headers(page)
    # No inline script or style: the policy would block them, so none is served.
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text) and "<style" not in page.text and " style=" not in page.text
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", page.text), "no inline event handlers"
    image_endpoint = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")
    if image_endpoint:
        assert image_endpoint in page.headers["content-security-policy"]
    for asset, kind in [("console.js", "text/javascript"), ("console.css", "text/css")]:
        response = requests.get(CONSOLE + asset, timeout=30)
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        assert_secure_headers(response)
        assert not re.search(r"https?://|@import|url\(", response.text) or asset == "console.js"
    script = requests.get(CONSOLE + "console.js", timeout=30).text
    assert not re.search(r"https?://(?!s3\.amazonaws)", script), "the script loads nothing from elsewhere"
    for response in [requests.get(CONSOLE + "nope", timeout=30), requests.get(CONSOLE + "api/nope", timeout=30)]:
        assert response.status_code == 404
        assert_secure_headers(response)


def test_presign_checks_its_arguments():
    session, token = sign_in()
    for payload in [
        {"method": "PATCH"}, {"method": "GET", "key": "k"}, {"method": "GET", "bucket": "bkt", "expires": 0},
        {"method": "GET", "bucket": "bkt", "expires": 604801}, {"method": "GET", "query": [["X-Amz-Signature", "x"]]},
        {"method": "GET", "query": [["a", "b", "c"]]}, {"method": "GET", "service": "ftp"}, {"nothing": True},
        {"method": "GET", "bucket": "a/b"}, [], "text", 12,
    ]:
        response = api(session, token, "presign", payload)
        assert response.status_code == 400, (payload, response.status_code, response.text)
        assert "error" in response.json()


def test_presigned_urls_are_short_lived_sigv4_for_the_signed_in_user(console_bucket):
    session, token = sign_in()
    url = presigned(session, token, "GET", console_bucket, "hello.txt")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert query["X-Amz-Credential"][0].startswith(ACCESS_KEY + "/")
    assert url.startswith(ENDPOINT + "/")
    assert requests.get(url, timeout=30).content == b"hello console"
    week = presigned(session, token, "GET", console_bucket, "hello.txt", expires=604800)
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(week).query)["X-Amz-Expires"] == ["604800"]
    # A download link with a sub-resource query, signed too.
    download = presigned(session, token, "GET", console_bucket, "hello.txt",
                         query=[["response-content-disposition", "attachment; filename=hello.txt"]])
    response = requests.get(download, timeout=30)
    assert response.headers["content-disposition"] == "attachment; filename=hello.txt"
    # Tampering breaks the signature.
    assert requests.get(url.replace("hello.txt", "hello.txT"), timeout=30).status_code == 403


def test_image_endpoint_checks_the_process_string_with_the_image_services_parser(console_bucket):
    if not os.environ.get("MSS_SERVER_IMAGE_ENDPOINT"):
        pytest.skip("no image service")
    session, token = sign_in()
    response = api(session, token, "image", {"bucket": console_bucket, "key": "a.jpg", "process": "30x"})
    assert response.status_code == 400
    assert response.json()["error"] == "Invalid image process '30x': unknown token '30x'."
    response = api(session, token, "image", {"bucket": console_bucket, "key": "dir/a b.jpg", "process": "100w_100h_1e_1c|30r"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["url"].startswith(os.environ["MSS_SERVER_IMAGE_ENDPOINT"] + f"/{console_bucket}/dir/a%20b.jpg%40100w_100h_1e_1c%7C30r?")
    assert answer["cli"].startswith(f"mss image 'mss://{console_bucket}/dir/a b.jpg' --process '100w_100h_1e_1c|30r' -o rendered.jpg")
    assert f'conn.bucket("{console_bucket}").imageKey("dir/a b.jpg", process: "100w_100h_1e_1c|30r")' in answer["sdk"]


# MARK: hostile paths and bodies


TRAVERSALS = [
    "/_console/../../etc/passwd",
    "/_console/../../../../../../etc/passwd",
    "/_console/%2e%2e/%2e%2e/etc/passwd",
    "/_console/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/_console/..%2f..%2f..%2fetc%2fpasswd",
    "/_console/..%5c..%5cetc%5cpasswd",
    "/_console/%252e%252e/etc/passwd",
    "/_console/console.js/../../../etc/passwd",
    "/_console//etc/passwd",
    "/_console/%c0%ae%c0%ae/etc/passwd",
    "/_console/%00",
    "/_console/console.js%00.png",
    "/_console/./console.js/.",
    "/_console/" + "a/" * 2000,
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_asset_paths_cannot_leave_the_console(path):
    response = rawhttp.request("GET", path)
    assert response is not None, "no answer"
    assert response.status in (400, 404, 414, 431), (path, response.status)
    assert b"root:" not in response.body
    # The server is still up.
    assert requests.get(CONSOLE + "console.css", timeout=30).status_code == 200


@pytest.mark.parametrize("body,headers,statuses", [
    (b"A" * (64 * 1024), {"Content-Type": "application/x-www-form-urlencoded"}, (413,)),
    (b"access_key=" + b"A" * 20000 + b"&secret_key=x", {"Content-Type": "application/x-www-form-urlencoded"}, (413,)),
    (b"\xff\xfe\x00garbage\x80\x81", {"Content-Type": "application/x-www-form-urlencoded"}, (400,)),
    (b"access_key=%ZZ&secret_key=%", {}, (400,)),
    (b"%%%%&&&===", {}, (400,)),
    (b"", {}, (400,)),
    (b'{"access_key": "a", "secret_key": "b"}', {"Content-Type": "application/json"}, (400,)),
], ids=["64k", "long-key", "binary", "bad-escapes", "junk", "empty", "json"])
def test_garbage_sign_in_bodies_are_refused_and_the_server_stays_up(body, headers, statuses):
    headers = dict(headers, Origin=ENDPOINT)
    response = rawhttp.request("POST", "/_console/login", headers=headers, body=body)
    assert response is not None and response.status in statuses, (response and response.status, response and response.body[:200])
    assert b"set-cookie" not in b"".join(k.encode() for k in response.headers)
    assert requests.get(CONSOLE, timeout=30).status_code == 200


def test_a_huge_declared_body_is_refused_before_it_is_sent():
    data = rawhttp.build("POST", "/_console/login", {"Origin": ENDPOINT, "Content-Length": str(10 << 30)})
    response = rawhttp.exchange(data, method="POST", timeout=20)
    assert response is not None and response.status == 413
    assert requests.get(CONSOLE, timeout=30).status_code == 200


def test_garbage_api_bodies_are_refused():
    session, token = sign_in()
    headers = {"Origin": ENDPOINT, CSRF_HEADER: token, "Content-Type": "application/json"}
    for body in [b"", b"{", b"\xff\xfe", b"[" * 10000, b'{"method": ' + b'"' + b"A" * 40000 + b'"}', b"null"]:
        response = session.post(CONSOLE + "api/presign", data=body, headers=headers, timeout=30)
        assert response.status_code in (400, 413), (body[:20], response.status_code)
    assert session.get(CONSOLE + "api/session", timeout=30).status_code == 200


def test_other_methods_on_console_paths():
    for method, path in [("PUT", ""), ("DELETE", ""), ("POST", "console.js"), ("PUT", "login"), ("DELETE", "api/session")]:
        response = requests.request(method, CONSOLE + path, timeout=30)
        assert response.status_code == 405, (method, path, response.status_code)


def test_a_bucket_key_under_console_is_still_s3(s3v4, console_bucket):
    """Only the top-level /_console path is the console's: keys named _console/... are objects."""
    s3v4.put_object(Bucket=console_bucket, Key="_console/x.txt", Body=b"object")
    assert s3v4.get_object(Bucket=console_bucket, Key="_console/x.txt")["Body"].read() == b"object"


# MARK: servers of the test's own


@pytest.fixture
def own_server(tmp_path):
    started = []

    def start(*extra):
        server = ServerProcess(tmp_path / f"data{len(started)}", tmp_path / f"server{len(started)}.log", extra_args=extra).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_sessions_expire(own_server):
    server = own_server("--console-session-lifetime", "2")
    session, token = sign_in(server.endpoint, server_process.ACCESS_KEY, server_process.SECRET_KEY)
    assert session.get(server.endpoint + "/_console/api/session", timeout=30).status_code == 200
    time.sleep(3)
    assert session.get(server.endpoint + "/_console/api/session", timeout=30).status_code == 401
    response = api(session, token, "presign", {"method": "GET"}, endpoint=server.endpoint)
    assert response.status_code == 401
    page = session.get(server.endpoint + "/_console/", timeout=30)
    assert 'action="/_console/login"' in page.text


def test_repeated_failed_sign_ins_are_rate_limited(own_server):
    server = own_server()
    url = server.endpoint + "/_console/login"

    def attempt(secret):
        return requests.post(url, data={"access_key": server_process.ACCESS_KEY, "secret_key": secret},
                             headers={"Origin": server.endpoint}, allow_redirects=False, timeout=30)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda n: attempt(f"wrong-{n}").status_code, range(10)))
    assert statuses == [401] * 10
    # Past the allowance even the right keys are refused, without being looked at.
    limited = attempt(server_process.SECRET_KEY)
    assert limited.status_code == 429 and "set-cookie" not in limited.headers
    assert int(limited.headers["retry-after"]) > 0
    # The S3 API is not affected.
    assert server.client().list_buckets()["Buckets"] == []


def test_no_console_serves_none(own_server):
    server = own_server("--no-console")
    for method, path in [("GET", "/_console/"), ("GET", "/_console/console.js"), ("POST", "/_console/login")]:
        response = requests.request(method, server.endpoint + path, data={"access_key": "a", "secret_key": "b"},
                                    headers={"Origin": server.endpoint}, timeout=30)
        assert response.status_code in (400, 403, 404, 405), response.status_code
        assert response.headers["content-type"] == "application/xml", "the S3 API's answer, not the console's"
        assert "<Error>" in response.text and "set-cookie" not in response.headers
    with open(server.log_path) as log:
        assert "Console:" not in log.read()


def test_the_banner_names_the_console(own_server):
    server = own_server()
    with open(server.log_path) as log:
        assert f"Console:    http://127.0.0.1:{server.port}/_console/" in log.read()


def test_the_embedded_server_of_mss_serves_the_console(tmp_path):
    """`mss` with nothing configured starts its local server, which serves the console;
    `mss server --status` names it, and the keys in the embedded credentials file sign in."""
    cli = os.environ.get("MSS_CLI", "")
    if not cli:
        pytest.skip("MSS_CLI is not set")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSS_", "AWS_"))}
    env["MSS_HOME"] = str(tmp_path / "home")

    def mss(*args):
        return subprocess.run([cli, *args], env=env, capture_output=True, timeout=120, check=True).stdout.decode()

    try:
        mss("ls")
        status = json.loads(mss("server", "--status", "--json"))
        console = status["console"]
        assert console == status["endpoint"] + "/_console/"
        assert "web console " + console in mss("server", "--status")
        assert 'action="/_console/login"' in requests.get(console, timeout=30).text
        with open(tmp_path / "home" / "embedded" / "credentials.json") as file:
            keys = json.load(file)
        session, token = sign_in(status["endpoint"], keys["accessKey"], keys["secretKey"])
        assert session.get(console + "api/session", timeout=30).json()["accessKey"] == keys["accessKey"]
        # Its command lines need no endpoint: with nothing configured, mss uses this server.
        answer = api(session, token, "image", {"bucket": "bkt", "key": "k.jpg", "process": "30r"}, endpoint=status["endpoint"])
        assert answer.json()["cli"] == "mss image mss://bkt/k.jpg --process 30r -o rendered.jpg"
    finally:
        subprocess.run([cli, "server", "--stop"], env=env, capture_output=True, timeout=60)
