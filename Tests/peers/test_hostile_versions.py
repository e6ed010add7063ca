"""Hostile values for what issue 11 added: version ids, version-listing markers and sizes, object
attribute names, conditional-write headers, virtual hosts and ACL headers. Each gets a 4xx (or a
correct answer) and the server stays up."""
import pytest

from conftest import client
from rawhttp import quote, request, v4_headers


@pytest.fixture
def filled(bucket):
    made = client()
    made.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    made.put_object(Bucket=bucket, Key="k", Body=b"x")
    return bucket


def signed(method, path, query=(), extra=None, body=b""):
    """A correctly signed request, so the hostile values reach the parsers behind authentication."""
    items = [(name, "" if value is None else value) for name, value in query]
    target = path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in items) if items else "")
    headers = v4_headers(method, path, query_items=items, extra=extra, payload_hash="UNSIGNED-PAYLOAD")
    return request(method, target, headers, body)


HOSTILE_IDS = ["", "0" * 5000, "\x00", "null ", "../../etc", "9" * 40, "\u00ff\ufffe"]


@pytest.mark.parametrize("version", HOSTILE_IDS)
def test_hostile_version_ids(filled, version):
    for method in ("GET", "HEAD", "DELETE"):
        answer = signed(method, f"/{filled}/k", [("versionId", version)])
        assert answer is not None and (400 <= answer.status < 500 or answer.status == 204), (method, version, answer.status)
        assert answer.status != 403, "signed correctly, so the version id itself must be what is answered"
    assert client().get_object(Bucket=filled, Key="k")["Body"].read() == b"x"


@pytest.mark.parametrize("query", [
    [("versions", None), ("max-keys", "99999999999999999999999")],
    [("versions", None), ("max-keys", "-1")],
    [("versions", None), ("version-id-marker", "abc")],
    [("versions", None), ("key-marker", "k"), ("version-id-marker", "no-such-version")],
    [("versions", None), ("encoding-type", "base64")],
    [("versions", None), ("delimiter", "\u00ff")],
])
def test_hostile_version_listings(filled, query):
    answer = signed("GET", f"/{filled}", query)
    assert answer is not None and answer.status in (200, 400), (query, answer.status)


@pytest.mark.parametrize("names", ["", ",,,", "ETag,Bogus", "x" * 10000, "ETag" + ",ETag" * 2000])
def test_hostile_object_attribute_names(filled, names):
    answer = signed("GET", f"/{filled}/k", [("attributes", None)], extra={"x-amz-object-attributes": names})
    assert answer is not None and answer.status in (200, 400), (names[:20], answer.status)


@pytest.mark.parametrize("headers", [
    {"if-none-match": "etag"}, {"if-match": ""}, {"if-match": ","}, {"if-match": '"' * 5000},
    {"if-none-match": "*", "if-match": "*"},
])
def test_hostile_write_conditions(filled, headers):
    answer = signed("PUT", f"/{filled}/cond", extra={"content-length": "1", **headers}, body=b"y")
    assert answer is not None and answer.status in (200, 400, 404, 412, 501), (headers, answer.status)


@pytest.mark.parametrize("headers", [
    {"x-amz-acl": "public-read", "x-amz-grant-read": "uri=http://acs.amazonaws.com/groups/global/AllUsers"},
    {"x-amz-grant-read": "id="}, {"x-amz-grant-read": "id=" + "a" * 100000}, {"x-amz-grant-full-control": "uri=\"http://x\""},
    {"x-amz-acl": "aws-exec-read"}, {"x-amz-grant-read": ", , ,"},
])
def test_hostile_acl_headers(filled, headers):
    answer = signed("PUT", f"/{filled}/k", [("acl", None)], extra=headers)
    assert answer is not None and answer.status in (400, 501), (headers, answer.status)


def test_unsigned_grant_header_is_refused(filled):
    headers = v4_headers("PUT", f"/{filled}/k", query_items=[("acl", "")], extra={"x-amz-acl": "private"})
    headers["x-amz-grant-read"] = "uri=http://acs.amazonaws.com/groups/global/AllUsers"
    answer = request("PUT", f"/{filled}/k?acl=", headers)
    assert answer.status == 403


def test_versioning_documents_truncated_or_huge(filled):
    for body in [b"<VersioningConfiguration><Status>Enab", b"<VersioningConfiguration>" + b"<a>" * 100 + b"</VersioningConfiguration>",
                 b"\x00\xff" * 100]:
        answer = signed("PUT", f"/{filled}", [("versioning", None)], extra={"content-length": str(len(body))}, body=body)
        assert answer.status == 400, (body[:30], answer.status)
    assert client().get_bucket_versioning(Bucket=filled)["Status"] == "Enabled"
