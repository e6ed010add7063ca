"""Bucket CORS: configuration round trips and refusals through boto3, the preflight matrix
and the headers of actual requests with `requests`, persistence across a restart, and a real
headless Chromium page on another origin uploading to a presigned URL."""
import functools
import http.server
import json
import os
import threading
import time

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import CHROMEDRIVER, CHROMIUM, ENDPOINT, empty_and_delete, mss_command, new_bucket_name, require_browser
from server_process import ServerProcess

IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")
ORIGIN = "https://app.example.com"
NOT_ENABLED = "CORSResponse: CORS is not enabled for this bucket."
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
               "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
               "whitelisted by the resource's CORS spec.")

RULES = [
    {"ID": "app", "AllowedOrigins": [ORIGIN, "https://*.example.org"], "AllowedMethods": ["GET", "PUT", "HEAD"],
     "AllowedHeaders": ["Content-Type", "x-amz-meta-*"], "ExposeHeaders": ["ETag", "x-amz-meta-color"],
     "MaxAgeSeconds": 600},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
]


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"].get("Message", "")


def preflight(path, origin=ORIGIN, method="PUT", headers=None):
    sent = {}
    if origin is not None:
        sent["Origin"] = origin
    if method is not None:
        sent["Access-Control-Request-Method"] = method
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return requests.options(ENDPOINT + path, headers=sent, timeout=30)


def xml_field(response, name):
    text = response.text
    start = text.find(f"<{name}>")
    return None if start < 0 else text[start + len(name) + 2:text.find(f"</{name}>")]


def test_configuration_round_trip_and_delete(s3v4, bucket):
    status, code, message = error_of(s3v4.get_bucket_cors, Bucket=bucket)
    assert (status, code, message) == (404, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})
    got = s3v4.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert got[0] == RULES[0]
    assert got[1] == {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
    s3v4.delete_bucket_cors(Bucket=bucket)
    assert error_of(s3v4.get_bucket_cors, Bucket=bucket)[:2] == (404, "NoSuchCORSConfiguration")
    assert preflight(f"/{bucket}/k").status_code == 403


@pytest.mark.parametrize("rules, code, message", [
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["get"]}], "InvalidRequest",
     "Found unsupported HTTP method in CORS config. Unsupported method is get"),
    ([{"AllowedOrigins": ["https://*.*.example.com"], "AllowedMethods": ["GET"]}], "InvalidRequest",
     'AllowedOrigin "https://*.*.example.com" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-*-*"]}], "InvalidRequest",
     'AllowedHeader "x-*-*" can not have more than one wildcard.'),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101, "MalformedXML", None),
    ([{"AllowedOrigins": [], "AllowedMethods": ["GET"]}], "MalformedXML", None),
    ([{"AllowedOrigins": ["*"], "AllowedMethods": []}], "MalformedXML", None),
])
def test_configuration_refusals(s3v4, bucket, rules, code, message):
    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})
    status, got, text = error_of(s3v4.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert (status, got) == (400, code)
    if message:
        assert text == message
    # The previous configuration stays.
    assert s3v4.get_bucket_cors(Bucket=bucket)["CORSRules"] == [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]


def test_the_body_must_prove_its_integrity(s3v4, bucket):
    """As S3: Content-MD5 (or a flexible checksum) is required, and must match."""
    def strip(request, **_):
        for name in [h for h in request.headers if h.lower() == "content-md5" or h.lower().startswith("x-amz-checksum")
                     or h.lower() == "x-amz-sdk-checksum-algorithm"]:
            del request.headers[name]
    def damage(request, **_):
        strip(request)
        request.headers["Content-MD5"] = "1B2M2Y8AsgTpgAmY7PhCfg=="  # the MD5 of nothing
    rules = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]}
    for hook, expected in [(strip, ("InvalidRequest", "Missing required header for this request: Content-Md5.")),
                           (damage, ("BadDigest", None))]:
        for operation, call in [("PutBucketCors", lambda: s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration=rules)),
                                ("PutBucketTagging", lambda: s3v4.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}))]:
            s3v4.meta.events.register_first(f"before-sign.s3.{operation}", hook)
            try:
                with pytest.raises(ClientError) as raised:
                    call()
            finally:
                s3v4.meta.events.unregister(f"before-sign.s3.{operation}", hook)
            error = raised.value.response["Error"]
            assert error["Code"] == expected[0], operation
            if expected[1]:
                assert error["Message"] == expected[1]
    assert error_of(s3v4.get_bucket_cors, Bucket=bucket)[1] == "NoSuchCORSConfiguration"


def test_limits_are_inclusive(s3v4, bucket):
    rules = [{"AllowedOrigins": [f"https://{i}.example.com"], "AllowedMethods": ["GET"]} for i in range(100)]
    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
    assert len(s3v4.get_bucket_cors(Bucket=bucket)["CORSRules"]) == 100
    # Past 64 KB the document is refused whatever it holds, and the 100 rules stay.
    huge = [{"AllowedOrigins": [f"https://{i}.{'x' * 700}.example.com"], "AllowedMethods": ["GET"]} for i in range(100)]
    assert error_of(s3v4.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": huge})[0] == 400
    assert len(s3v4.get_bucket_cors(Bucket=bucket)["CORSRules"]) == 100
    assert preflight(f"/{bucket}", origin="https://99.example.com", method="GET").status_code == 200


def test_preflight_matrix(s3v4, bucket):
    missing = preflight(f"/{bucket}/k")
    assert missing.status_code == 403 and xml_field(missing, "Code") == "AccessForbidden"
    assert xml_field(missing, "Message") == NOT_ENABLED
    # As recorded from S3: BUCKET although the URL names a key, and the method requested.
    assert xml_field(missing, "ResourceType") == "BUCKET" and xml_field(missing, "Method") == "PUT"
    origin_only = preflight(f"/{bucket}/k", method=None)
    assert origin_only.status_code == 403 and xml_field(origin_only, "Method") == "OPTIONS"
    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})

    answer = preflight(f"/{bucket}/some/key", headers="content-type, X-Amz-Meta-Color")
    assert answer.status_code == 200, answer.text
    h = answer.headers
    assert h["Access-Control-Allow-Origin"] == ORIGIN
    assert h["Access-Control-Allow-Credentials"] == "true"
    assert h["Access-Control-Allow-Methods"] == "GET, PUT, HEAD"
    assert h["Access-Control-Allow-Headers"] == "content-type, x-amz-meta-color"  # lower-cased, in order
    assert h["Access-Control-Expose-Headers"] == "ETag, x-amz-meta-color"
    assert h["Access-Control-Max-Age"] == "600"
    assert "Origin" in h["Vary"]

    # The wildcard origin of the first rule; the bucket itself as the resource.
    wild = preflight(f"/{bucket}", origin="https://tenant.example.org", method="HEAD")
    assert wild.status_code == 200 and wild.headers["Access-Control-Allow-Origin"] == "https://tenant.example.org"
    # Only the second rule allows any origin, and only GET: answered with `*`, no credentials.
    anyone = preflight(f"/{bucket}/k", origin="https://elsewhere.test", method="GET")
    assert anyone.status_code == 200 and anyone.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in anyone.headers
    assert "Access-Control-Max-Age" not in anyone.headers

    for origin, method, headers in [
        ("https://elsewhere.test", "PUT", None),        # no rule allows PUT from there
        (ORIGIN, "DELETE", None),                        # method not in the rule
        (ORIGIN, "PUT", "x-unlisted"),                   # header not allowed
        ("https://example.org", "PUT", None),            # the wildcard needs a subdomain
        ("https://APP.example.com", "PUT", None),        # origins compare case-sensitively
    ]:
        refused = preflight(f"/{bucket}/k", origin=origin, method=method, headers=headers)
        assert refused.status_code == 403, (origin, method, headers)
        assert xml_field(refused, "Code") == "AccessForbidden" and xml_field(refused, "Message") == NOT_ALLOWED
        assert xml_field(refused, "ResourceType") == "OBJECT" and xml_field(refused, "Method") == method
        assert "Access-Control-Allow-Origin" not in refused.headers
    on_bucket = preflight(f"/{bucket}", origin="https://elsewhere.test", method="PUT")
    assert on_bucket.status_code == 403 and xml_field(on_bucket, "ResourceType") == "BUCKET"

    # A preflight carries the query of the request it precedes, a presigned URL's signature
    # included, which is not for OPTIONS: it is not checked.
    put_url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"})
    presigned = requests.options(put_url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}, timeout=30)
    assert presigned.status_code == 200 and presigned.headers["Access-Control-Allow-Origin"] == ORIGIN
    image = requests.options(IMAGE_ENDPOINT + f"/{bucket}/photo.jpg",
                             headers={"Origin": "https://x.example.org", "Access-Control-Request-Method": "GET"}, timeout=30)
    assert image.status_code == 200 and image.headers["Access-Control-Allow-Origin"] == "https://x.example.org"

    no_origin = preflight(f"/{bucket}/k", origin=None)
    assert no_origin.status_code == 400 and xml_field(no_origin, "Code") == "BadRequest"
    assert xml_field(no_origin, "Message") == "Insufficient information. Origin request header needed."
    # No method named is the method OPTIONS, which no rule allows.
    no_method = preflight(f"/{bucket}/k", method=None)
    assert no_method.status_code == 403 and xml_field(no_method, "Method") == "OPTIONS"
    assert xml_field(no_method, "Message") == NOT_ALLOWED
    patch = preflight(f"/{bucket}/k", method="PATCH")
    assert patch.status_code == 403 and xml_field(patch, "Method") == "PATCH"
    gone = preflight("/no-such-bucket-for-cors/k")
    assert gone.status_code == 403 and xml_field(gone, "Code") == "AccessForbidden"
    assert xml_field(gone, "Message") == "CORSResponse: Bucket not found" and xml_field(gone, "ResourceType") == "BUCKET"
    assert preflight("/no-such-bucket-for-cors/k", origin=None).status_code == 400


def test_actual_requests_carry_the_headers(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="k", Body=b"hello", Metadata={"color": "blue"})
    url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    head_url = s3v4.generate_presigned_url("head_object", Params={"Bucket": bucket, "Key": "k"})
    before = requests.get(url, headers={"Origin": ORIGIN}, timeout=30)
    assert before.status_code == 200 and "Access-Control-Allow-Origin" not in before.headers
    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": RULES})

    got = requests.get(url, headers={"Origin": ORIGIN}, timeout=30)
    assert got.status_code == 200 and got.content == b"hello"
    assert got.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert got.headers["Access-Control-Expose-Headers"] == "ETag, x-amz-meta-color"
    assert got.headers["Access-Control-Allow-Credentials"] == "true"
    head = requests.head(head_url, headers={"Origin": "https://a.example.org"}, timeout=30)
    assert head.status_code == 200 and head.headers["Access-Control-Allow-Origin"] == "https://a.example.org"
    # Errors carry them too, so the page can read the failure.
    missing = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "none"})
    failed = requests.get(missing, headers={"Origin": ORIGIN}, timeout=30)
    assert failed.status_code == 404 and failed.headers["Access-Control-Allow-Origin"] == ORIGIN
    # No Origin, or one no rule allows for the method: no CORS headers.
    assert "Access-Control-Allow-Origin" not in requests.get(url, timeout=30).headers
    stranger = requests.delete(s3v4.generate_presigned_url("delete_object", Params={"Bucket": bucket, "Key": "x"}),
                               headers={"Origin": "https://elsewhere.test"}, timeout=30)
    assert stranger.status_code == 204 and "Access-Control-Allow-Origin" not in stranger.headers
    assert "Vary" not in stranger.headers  # S3 sends Vary only with the CORS headers
    # On an actual request, Access-Control-Request-Method names the method matched, as on S3.
    asked = requests.get(url, headers={"Origin": "https://elsewhere.test", "Access-Control-Request-Method": "PUT"}, timeout=30)
    assert asked.status_code == 200 and "Access-Control-Allow-Origin" not in asked.headers
    asked = requests.get(url, headers={"Origin": "https://elsewhere.test"}, timeout=30)
    assert asked.headers["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in asked.headers
    # The web console is not S3: no bucket rules there.
    console = requests.get(ENDPOINT + "/_console/", headers={"Origin": ORIGIN}, timeout=30)
    assert "Access-Control-Allow-Origin" not in console.headers


def test_only_the_owner_configures_cors(bucket):
    anonymous = requests.put(f"{ENDPOINT}/{bucket}?cors", data=b"<CORSConfiguration/>", timeout=30)
    assert anonymous.status_code == 403 and xml_field(anonymous, "Code") == "AccessDenied"
    assert requests.get(f"{ENDPOINT}/{bucket}?cors", timeout=30).status_code == 403


def test_cors_survives_a_restart(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log").start()
    try:
        s3 = server.client()
        name = new_bucket_name("cors")
        s3.create_bucket(Bucket=name)
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": RULES})
        server.stop()
        server.start()
        s3 = server.client()
        assert s3.get_bucket_cors(Bucket=name)["CORSRules"][0] == RULES[0]
        answer = requests.options(f"{server.endpoint}/{name}/k", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}, timeout=30)
        assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == ORIGIN
        empty_and_delete(s3, name)
    finally:
        server.stop()


# --- a real browser on another origin ---

@pytest.fixture(scope="module")
def page_site(tmp_path_factory):
    """A tiny web site on its own port, and the folder it serves: the page's origin differs
    from the server's."""
    folder = tmp_path_factory.mktemp("cors-site")
    (folder / "index.html").write_text("<!doctype html><title>cors page</title><p>page</p>")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}", folder
    site.shutdown()


@pytest.fixture(scope="module")
def page_origin(page_site):
    return page_site[0]


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


FETCH = """
const [url, options, header, done] = arguments;
fetch(url, options)
  .then(async (r) => done({status: r.status, text: await r.text(), header: header ? r.headers.get(header) : null}))
  .catch((e) => done({status: 0, text: String(e), header: null}));
"""


def test_a_page_on_another_origin_uploads_and_reads_only_with_a_rule(browser, page_origin, s3v4, bucket):
    browser.get(page_origin + "/index.html")
    put_url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "from-browser"})
    blocked = browser.execute_async_script(FETCH, put_url, {"method": "PUT", "body": "blocked"}, None)
    assert blocked["status"] == 0 and "TypeError" in blocked["text"], blocked
    assert error_of(s3v4.head_object, Bucket=bucket, Key="from-browser")[0] == 404  # the preflight stopped it

    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [page_origin], "AllowedMethods": ["PUT", "GET"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag", "x-amz-meta-color"]}]})
    sent = browser.execute_async_script(FETCH, put_url, {"method": "PUT", "body": "sent from a page"}, "ETag")
    assert sent["status"] == 200, sent
    stored = s3v4.get_object(Bucket=bucket, Key="from-browser")
    assert stored["Body"].read() == b"sent from a page" and sent["header"] == stored["ETag"]

    s3v4.put_object(Bucket=bucket, Key="colored", Body=b"c", Metadata={"color": "teal"})
    get_url = s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "colored"})
    read = browser.execute_async_script(FETCH, get_url, {"cache": "no-store"}, "x-amz-meta-color")
    assert read == {"status": 200, "text": "c", "header": "teal"}
    # A header the rule does not expose stays hidden from the page, though the server sent it.
    hidden = browser.execute_async_script(FETCH, get_url, {"cache": "no-store"}, "x-amz-request-id")
    assert hidden["status"] == 200 and hidden["header"] is None

    s3v4.delete_bucket_cors(Bucket=bucket)
    again = browser.execute_async_script(FETCH, get_url, {"cache": "no-store"}, "x-amz-meta-color")
    assert again["status"] == 0, again


POST_FORM = """
const [url, fields, name, text, done] = arguments;
const form = new FormData();
for (const [field, value] of Object.entries(fields)) form.append(field, value);
form.append("file", new Blob([text], {type: "text/plain"}), name);
fetch(url, {method: "POST", body: form})
  .then(async (r) => done({status: r.status, text: await r.text(), etag: r.headers.get("ETag")}))
  .catch((e) => done({status: 0, text: String(e), etag: null}));
"""


def exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False


def test_a_page_on_another_origin_posts_forms_that_mss_signed(browser, page_site, s3v4, bucket, tmp_path):
    origin, folder = page_site
    # As a web back end would run it to sign a form for its page.
    keys = dict(endpoint=ENDPOINT, access_key=os.environ["MSS_SERVER_ACCESS_KEY"], secret_key=os.environ["MSS_SERVER_SECRET_KEY"])
    mss = mss_command(tmp_path / "home", **keys)
    mss_v4 = mss_command(tmp_path / "home", signature="v4", **keys)
    browser.get(origin + "/index.html")
    # A V4 form, signed by `mss presign --post`, sent by the page's script with fetch.
    signed = json.loads(mss_v4(
        "presign", "--post", "--json", f"mss://{bucket}/drop/${{filename}}", "--content-length-range", "1:1000",
        "--field", "success_action_status=201"))
    assert signed["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    # POST with form data is a simple request: no preflight, so the upload lands, but a page
    # on another origin may not read the answer without a rule (S3 behaves the same).
    blind = browser.execute_async_script(POST_FORM, signed["url"], signed["fields"], "blind.txt", "no rule yet")
    assert blind["status"] == 0 and "TypeError" in blind["text"], blind
    assert s3v4.get_object(Bucket=bucket, Key="drop/blind.txt")["Body"].read() == b"no rule yet"

    s3v4.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": ["POST"], "ExposeHeaders": ["ETag"]}]})
    sent = browser.execute_async_script(POST_FORM, signed["url"], signed["fields"], "note.txt", "posted by a page")
    assert sent["status"] == 201, sent
    assert "<Key>drop/note.txt</Key>" in sent["text"] and f"<Bucket>{bucket}</Bucket>" in sent["text"]
    stored = s3v4.get_object(Bucket=bucket, Key="drop/note.txt")
    assert stored["Body"].read() == b"posted by a page" and sent["etag"] == stored["ETag"]
    # The policy still rules: a file over its length range is refused, and the page reads why.
    too_big = browser.execute_async_script(POST_FORM, signed["url"], signed["fields"], "big.txt", "x" * 1001)
    assert too_big["status"] == 400 and "EntityTooLarge" in too_big["text"], too_big
    assert error_of(s3v4.head_object, Bucket=bucket, Key="drop/big.txt")[0] == 404

    # The HTML page `mss presign --post --html` prints (MSS's default, SigV2), served from the
    # page's origin and submitted with a file the way a person would.
    (folder / "mss-form.html").write_text(mss("presign", "--post", "--html", f"mss://{bucket}/html/${{filename}}"))
    upload = folder / "picked.txt"
    upload.write_bytes(b"picked in a file chooser\n")
    browser.get(origin + "/mss-form.html")
    browser.find_element("css selector", "input[type=file]").send_keys(str(upload))
    browser.find_element("css selector", "input[type=submit]").click()
    deadline = time.time() + 20
    while time.time() < deadline and not exists(s3v4, bucket, "html/picked.txt"):
        time.sleep(0.2)
    assert s3v4.get_object(Bucket=bucket, Key="html/picked.txt")["Body"].read() == b"picked in a file chooser\n"
