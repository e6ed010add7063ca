"""The console's own inputs, attacked: overflowing and mistyped numbers in its JSON, duplicated
Cookie, Origin and CSRF headers, oversized cookies, overflowing or negative Content-Length and
bodies cut short. Every answer is a 4xx (or no answer to a body that never arrives), no forged
request acts, and the console keeps serving."""
import pytest
import requests

import rawhttp
from conftest import ENDPOINT
from test_console_http import CONSOLE, CSRF_HEADER, api, sign_in


def cookie_header(session):
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies)


def still_up():
    assert requests.get(CONSOLE, timeout=30).status_code == 200


@pytest.mark.parametrize("expires", [10**30, -(10**30), -1, 0, 604801, 1e300, 2.5, "600", True, None, [600], {"s": 1}])
def test_presign_expiry_of_any_size_or_type_is_refused(expires):
    session, token = sign_in()
    response = api(session, token, "presign", {"method": "GET", "bucket": "some-bucket", "expires": expires})
    if expires is None:
        # null is "not given": the default expiry.
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400, (expires, response.status_code, response.text)
        assert "error" in response.json()
    still_up()


def test_image_request_with_huge_or_odd_values_is_refused():
    session, token = sign_in()
    for payload in [
        {"bucket": "b" * 100_000, "key": "k", "process": "30r"},
        {"bucket": "bucket-x", "key": "k" * 100_000, "process": "30r"},
        {"bucket": "bucket-x", "key": "k", "process": "9" * 5000 + "w"},
        {"bucket": "bucket-x", "key": "k", "process": "30r", "expires": 10**40},
        {"bucket": "bucket-x", "key": "k", "process": 30},
    ]:
        response = api(session, token, "image", payload)
        assert 400 <= response.status_code < 500, (str(payload)[:80], response.status_code, response.text[:200])
    # A key with control characters is a key S3 accepts; the command line shown spells them out.
    response = api(session, token, "image", {"bucket": "bucket-x", "key": "a\u0000b\nc'd", "process": "30r"})
    assert response.status_code == 200, response.text
    cli = response.json()["cli"]
    assert "\x00" not in cli and "\n" not in cli and "$'mss://bucket-x/a\\x00b\\x0ac\\'d'" in cli, cli
    still_up()


def test_duplicated_or_oversized_cookies_do_not_sign_anyone_in():
    session, _ = sign_in()
    real = cookie_header(session)
    name = real.split("=", 1)[0]
    forged = f"{name}={'0' * 64}"
    for headers in [
        [("Cookie", forged)],
        [("Cookie", forged + "; " + forged)],
        [("Cookie", "x=" + "a" * 60_000)],
        [("Cookie", ";;;=;=;" * 2000)],
        [("Cookie", f"{name}=" + "f" * 100_000)],
    ]:
        response = rawhttp.request("GET", "/_console/api/session", headers=headers)
        assert response is not None and 400 <= response.status < 500, (str(headers)[:80], response and response.status)
    # The real cookie still works, whatever else comes with it.
    response = rawhttp.request("GET", "/_console/api/session", headers=[("Cookie", real), ("Cookie", forged)])
    assert response is not None and response.status in (200, 400, 401), response and response.status
    still_up()


def test_duplicated_origin_or_csrf_headers_are_refused():
    session, token = sign_in()
    cookie = cookie_header(session)
    body = b'{"method": "GET", "bucket": "some-bucket"}'
    base = [("Cookie", cookie), ("Content-Type", "application/json")]
    for extra in [
        [("Origin", "http://evil.example"), ("Origin", ENDPOINT), (CSRF_HEADER, token)],
        [("Origin", ENDPOINT), ("Origin", "http://evil.example"), (CSRF_HEADER, token)],
        [("Origin", ENDPOINT), (CSRF_HEADER, "wrong"), (CSRF_HEADER, token)],
        [("Origin", ENDPOINT), (CSRF_HEADER, token + "x")],
        [("Origin", ENDPOINT), (CSRF_HEADER, token[:-1])],
        [("Origin", ENDPOINT + "\x00"), (CSRF_HEADER, token)],
    ]:
        response = rawhttp.request("POST", "/_console/api/presign", headers=base + extra, body=body)
        assert response is not None and response.status in (400, 403), (extra, response and response.status)
        assert b'"url"' not in (response.body or b"")
    # The same request with one of each goes through, so the refusals above were about the duplicates.
    response = rawhttp.request("POST", "/_console/api/presign", headers=base + [("Origin", ENDPOINT), (CSRF_HEADER, token)], body=body)
    assert response is not None and response.status == 200, response and (response.status, response.body[:200])
    still_up()


@pytest.mark.parametrize("length", ["99999999999999999999999", "-1", "1e3", "0x10", " 5", "5, 5"])
def test_bad_content_lengths_on_sign_in_are_refused(length):
    data = rawhttp.build("POST", "/_console/login", [("Origin", ENDPOINT), ("Content-Length", length),
                                                       ("Content-Type", "application/x-www-form-urlencoded")], b"access_key=a")
    response = rawhttp.exchange(data, method="POST", timeout=20)
    assert response is None or 400 <= response.status < 500, response.status
    still_up()


def test_a_body_cut_short_signs_no_one_in():
    body = b"access_key=AAAA&secret_key=BBBB"
    data = rawhttp.build("POST", "/_console/login", [("Origin", ENDPOINT), ("Content-Length", "500"),
                                                       ("Content-Type", "application/x-www-form-urlencoded")], body)
    response = rawhttp.exchange(data, method="POST", timeout=20, shutdown_write=True)
    assert response is None or (400 <= response.status < 500 and not any(k.lower() == "set-cookie" for k in response.headers))
    still_up()
