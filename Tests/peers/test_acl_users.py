"""Users and ACLs in mss-server, checked with boto3 as S3 behaves: the primary user, two users
from the --users file (MSS_SERVER_USERS="AK|SK AK|SK", written by scripts/test.sh) and anonymous
callers; every canned ACL's effect on bucket and object operations, grant headers, ACL documents,
ownership, and data directories from before users."""
import json
import os
import subprocess
import uuid

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

import store_layout
from conftest import ACCESS_KEY, ENDPOINT, SECRET_KEY, empty_and_delete, new_bucket_name
import server_process
from server_process import ServerProcess

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
EXTRA_USERS = [tuple(pair.split("|", 1)) for pair in os.environ.get("MSS_SERVER_USERS", "").split()]


def make_client(keys, endpoint=ENDPOINT):
    config = Config(signature_version=UNSIGNED if keys is None else "s3v4", s3={"addressing_style": "path"},
                    retries={"max_attempts": 1})
    credentials = {} if keys is None else {"aws_access_key_id": keys[0], "aws_secret_access_key": keys[1]}
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config, **credentials)


@pytest.fixture(scope="module")
def users():
    assert len(EXTRA_USERS) >= 2, "MSS_SERVER_USERS must name two users of the --users file: scripts/test.sh sets it"
    owner, other, third = make_client((ACCESS_KEY, SECRET_KEY)), make_client(EXTRA_USERS[0]), make_client(EXTRA_USERS[1])
    ids = {name: made.list_buckets()["Owner"] for name, made in (("owner", owner), ("other", other), ("third", third))}
    return {"owner": owner, "other": other, "third": third, "anon": make_client(None), "ids": ids}


@pytest.fixture
def owned_bucket(users):
    """A private bucket of the primary user, emptied and deleted afterwards."""
    name = new_bucket_name("acl")
    users["owner"].create_bucket(Bucket=name)
    yield name
    users["owner"].put_bucket_acl(Bucket=name, ACL="private")
    empty_and_delete(users["owner"], name)


def error(call):
    """The (status, code) a call fails with, or None when it succeeds."""
    try:
        call()
        return None
    except ClientError as failure:
        return failure.response["ResponseMetadata"]["HTTPStatusCode"], failure.response["Error"]["Code"]


def allowed(call):
    outcome = error(call)
    assert outcome in (None, (403, "AccessDenied"), (403, "403")), outcome
    return outcome is None


def grants_of(policy):
    """Grants as comparable tuples: (type, id or uri, permission)."""
    return sorted((g["Grantee"]["Type"], g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"])
                  for g in policy["Grants"])


def test_the_file_users_sign_and_have_their_own_identity(users):
    ids = users["ids"]
    assert len({owner["ID"] for owner in ids.values()}) == 3
    for owner in ids.values():
        assert len(owner["ID"]) == 64 and all(c in "0123456789abcdef" for c in owner["ID"])
    assert ids["other"]["DisplayName"] == f"Test user {EXTRA_USERS[0][0]}"
    assert error(lambda: make_client((EXTRA_USERS[0][0], "not-the-secret")).list_buckets()) == (403, "SignatureDoesNotMatch")


def test_list_buckets_shows_only_the_callers_buckets(users, owned_bucket):
    theirs = new_bucket_name("acl")
    users["other"].create_bucket(Bucket=theirs)
    try:
        mine = users["owner"].list_buckets()
        assert owned_bucket in [b["Name"] for b in mine["Buckets"]] and theirs not in [b["Name"] for b in mine["Buckets"]]
        assert mine["Owner"] == users["ids"]["owner"]
        listed = users["other"].list_buckets()
        assert [b["Name"] for b in listed["Buckets"]] == [theirs]
        assert listed["Owner"] == users["ids"]["other"]
        assert error(lambda: users["anon"].list_buckets()) == (403, "AccessDenied")
    finally:
        users["other"].delete_bucket(Bucket=theirs)


def test_a_name_another_user_owns_is_taken(users, owned_bucket):
    assert error(lambda: users["other"].create_bucket(Bucket=owned_bucket)) == (409, "BucketAlreadyExists")
    assert error(lambda: users["anon"].create_bucket(Bucket=new_bucket_name("acl"))) == (403, "AccessDenied")
    # Nor may anyone but the owner delete it, whatever the ACL grants.
    users["owner"].put_bucket_acl(Bucket=owned_bucket, ACL="public-read-write")
    assert error(lambda: users["other"].delete_bucket(Bucket=owned_bucket)) == (403, "AccessDenied")
    assert error(lambda: users["other"].get_bucket_location(Bucket=owned_bucket)) == (403, "AccessDenied")


# For each canned ACL on a bucket: may the other user, and an anonymous caller, list it and write to it?
BUCKET_CANNED = {
    "private": {"other": (False, False), "anon": (False, False)},
    "public-read": {"other": (True, False), "anon": (True, False)},
    "public-read-write": {"other": (True, True), "anon": (True, True)},
    "authenticated-read": {"other": (True, False), "anon": (False, False)},
}


@pytest.mark.parametrize("acl", list(BUCKET_CANNED))
def test_canned_bucket_acls(users, acl):
    name = new_bucket_name("acl")
    users["owner"].create_bucket(Bucket=name, ACL=acl)
    try:
        owner_id = users["ids"]["owner"]["ID"]
        expected = {("CanonicalUser", owner_id, "FULL_CONTROL")}
        if acl in ("public-read", "public-read-write"):
            expected.add(("Group", ALL_USERS, "READ"))
        if acl == "public-read-write":
            expected.add(("Group", ALL_USERS, "WRITE"))
        if acl == "authenticated-read":
            expected.add(("Group", AUTHENTICATED_USERS, "READ"))
        policy = users["owner"].get_bucket_acl(Bucket=name)
        assert policy["Owner"] == users["ids"]["owner"]
        assert set(grants_of(policy)) == expected
        for who, (can_list, can_write) in BUCKET_CANNED[acl].items():
            made = users[who]
            assert allowed(lambda: made.list_objects_v2(Bucket=name)) == can_list, who
            assert allowed(lambda: made.head_bucket(Bucket=name)) == can_list, who
            assert allowed(lambda: made.list_multipart_uploads(Bucket=name)) == can_list, who
            assert allowed(lambda: made.put_object(Bucket=name, Key=f"by-{who}", Body=b"x")) == can_write, who
            assert allowed(lambda: made.delete_object(Bucket=name, Key=f"by-{who}")) == can_write, who
            # The ACL itself is the owner's: READ and WRITE do not reach it.
            assert error(lambda: made.get_bucket_acl(Bucket=name)) == (403, "AccessDenied"), who
            assert error(lambda: made.put_bucket_acl(Bucket=name, ACL="private")) == (403, "AccessDenied"), who
        # The third user is authenticated like the other one: same answers.
        can_list = BUCKET_CANNED[acl]["other"][0]
        assert allowed(lambda: users["third"].list_objects(Bucket=name)) == can_list
    finally:
        users["owner"].put_bucket_acl(Bucket=name, ACL="private")
        empty_and_delete(users["owner"], name)


# For each canned ACL the other user writes an object with into the owner's bucket: who may read it?
OBJECT_CANNED = {
    "private": {"other": True, "owner": False, "third": False, "anon": False},
    "public-read": {"other": True, "owner": True, "third": True, "anon": True},
    "public-read-write": {"other": True, "owner": True, "third": True, "anon": True},
    "authenticated-read": {"other": True, "owner": True, "third": True, "anon": False},
    "bucket-owner-read": {"other": True, "owner": True, "third": False, "anon": False},
    "bucket-owner-full-control": {"other": True, "owner": True, "third": False, "anon": False},
}


@pytest.mark.parametrize("acl", list(OBJECT_CANNED))
def test_canned_object_acls(users, owned_bucket, acl):
    ids = users["ids"]
    # The owner lets the other user write, keeping full control: exactly these grants.
    users["owner"].put_bucket_acl(Bucket=owned_bucket, GrantFullControl=f'id="{ids["owner"]["ID"]}"',
                                  GrantWrite=f'id="{ids["other"]["ID"]}"')
    users["other"].put_object(Bucket=owned_bucket, Key="theirs", Body=b"written by the other user", ACL=acl)
    policy = users["other"].get_object_acl(Bucket=owned_bucket, Key="theirs")
    assert policy["Owner"] == ids["other"], "the writer owns the object"
    expected = {("CanonicalUser", ids["other"]["ID"], "FULL_CONTROL")}
    expected |= {
        "private": set(), "public-read": {("Group", ALL_USERS, "READ")},
        "public-read-write": {("Group", ALL_USERS, "READ"), ("Group", ALL_USERS, "WRITE")},
        "authenticated-read": {("Group", AUTHENTICATED_USERS, "READ")},
        "bucket-owner-read": {("CanonicalUser", ids["owner"]["ID"], "READ")},
        "bucket-owner-full-control": {("CanonicalUser", ids["owner"]["ID"], "FULL_CONTROL")},
    }[acl]
    assert set(grants_of(policy)) == expected
    for who, can_read in OBJECT_CANNED[acl].items():
        made = users[who]
        assert allowed(lambda: made.get_object(Bucket=owned_bucket, Key="theirs")["Body"].read()) == can_read, who
        assert allowed(lambda: made.head_object(Bucket=owned_bucket, Key="theirs")) == can_read, who
    # Only FULL_CONTROL gives the bucket's owner the object's ACL; owning the bucket does not.
    owner_reads_acl = acl == "bucket-owner-full-control"
    assert allowed(lambda: users["owner"].get_object_acl(Bucket=owned_bucket, Key="theirs")) == owner_reads_acl
    # The bucket's owner may delete any object in it: WRITE on the bucket.
    users["owner"].delete_object(Bucket=owned_bucket, Key="theirs")


def test_grant_headers(users, owned_bucket):
    ids = users["ids"]
    owner, other, third, anon = users["owner"], users["other"], users["third"], users["anon"]
    owner.put_object(Bucket=owned_bucket, Key="shared", Body=b"for the other user",
                     GrantRead=f'id="{ids["other"]["ID"]}"', GrantFullControl=f'id="{ids["owner"]["ID"]}"')
    assert other.get_object(Bucket=owned_bucket, Key="shared")["Body"].read() == b"for the other user"
    assert error(lambda: third.get_object(Bucket=owned_bucket, Key="shared")) == (403, "AccessDenied")
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="shared")) == (403, "AccessDenied")
    assert error(lambda: other.get_object_acl(Bucket=owned_bucket, Key="shared")) == (403, "AccessDenied")

    # Several grantees in one header, groups by URI, unquoted values.
    owner.put_bucket_acl(Bucket=owned_bucket, GrantRead=f'uri={AUTHENTICATED_USERS}, id="{ids["third"]["ID"]}"',
                         GrantReadACP=f'id="{ids["other"]["ID"]}"', GrantWriteACP=f'id="{ids["third"]["ID"]}"')
    assert set(grants_of(owner.get_bucket_acl(Bucket=owned_bucket))) == {
        ("Group", AUTHENTICATED_USERS, "READ"), ("CanonicalUser", ids["third"]["ID"], "READ"),
        ("CanonicalUser", ids["other"]["ID"], "READ_ACP"), ("CanonicalUser", ids["third"]["ID"], "WRITE_ACP")}
    assert allowed(lambda: other.list_objects(Bucket=owned_bucket))
    assert not allowed(lambda: anon.list_objects(Bucket=owned_bucket))
    # Grant headers give exactly what they say: the owner granted itself nothing and lists only as
    # one of the authenticated users, yet may always read and change the ACL.
    assert allowed(lambda: owner.list_objects(Bucket=owned_bucket))
    assert error(lambda: owner.put_object(Bucket=owned_bucket, Key="k", Body=b"x")) == (403, "AccessDenied")
    assert other.get_bucket_acl(Bucket=owned_bucket)["Owner"] == ids["owner"]
    assert error(lambda: other.put_bucket_acl(Bucket=owned_bucket, ACL="private")) == (403, "AccessDenied")
    third.put_bucket_acl(Bucket=owned_bucket, ACL="private")  # WRITE_ACP
    assert owner.get_bucket_acl(Bucket=owned_bucket)["Owner"] == ids["owner"], "WRITE_ACP does not take ownership"
    assert set(grants_of(owner.get_bucket_acl(Bucket=owned_bucket))) == {("CanonicalUser", ids["owner"]["ID"], "FULL_CONTROL")}


@pytest.mark.parametrize("headers,expected", [
    ({"ACL": "public-read", "GrantRead": f'uri="{ALL_USERS}"'}, (400, "InvalidRequest")),
    ({"ACL": "everyone-may"}, (400, "InvalidArgument")),
    ({"GrantRead": 'emailAddress="someone@example.com"'}, (400, "UnresolvableGrantByEmailAddress")),
    ({"GrantRead": 'id="0000000000000000000000000000000000000000000000000000000000000000"'}, (400, "InvalidArgument")),
    ({"GrantRead": 'uri="http://acs.amazonaws.com/groups/global/Nobody"'}, (400, "InvalidArgument")),
    ({"GrantRead": 'user="someone"'}, (400, "InvalidArgument")),
    ({"GrantRead": "no equals sign"}, (400, "InvalidArgument")),
    ({}, (400, "MissingSecurityHeader")),
], ids=["canned-and-grant", "unknown-canned", "email", "unknown-id", "unknown-group", "unknown-type", "garbage", "nothing"])
def test_bad_acl_headers(users, owned_bucket, headers, expected):
    owner = users["owner"]
    assert error(lambda: owner.put_bucket_acl(Bucket=owned_bucket, **headers)) == expected
    if headers:
        assert error(lambda: owner.put_object(Bucket=owned_bucket, Key="k", Body=b"x", **headers)) == expected
        assert error(lambda: owner.create_bucket(Bucket=new_bucket_name("acl"), **headers)) == expected
    assert set(grants_of(owner.get_bucket_acl(Bucket=owned_bucket))) == {
        ("CanonicalUser", users["ids"]["owner"]["ID"], "FULL_CONTROL")}, "a refused request changes nothing"


def policy_document(owner, grants):
    return {"Owner": owner, "Grants": [
        {"Grantee": {"Type": "CanonicalUser", "ID": grantee} if not grantee.startswith("http") else {"Type": "Group", "URI": grantee},
         "Permission": permission} for grantee, permission in grants]}


def test_acl_documents_round_trip(users, owned_bucket):
    ids = users["ids"]
    owner, other, anon = users["owner"], users["other"], users["anon"]
    grants = [(ids["owner"]["ID"], "FULL_CONTROL"), (ids["other"]["ID"], "READ_ACP"), (ids["other"]["ID"], "WRITE"),
              (ALL_USERS, "READ"), (ids["third"]["ID"], "WRITE_ACP")]
    owner.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy=policy_document({"ID": ids["owner"]["ID"]}, grants))
    policy = owner.get_bucket_acl(Bucket=owned_bucket)
    assert policy["Owner"] == ids["owner"]
    assert grants_of(policy) == sorted(
        ("Group" if g.startswith("http") else "CanonicalUser", g, p) for g, p in grants)
    # Display names are filled in from the users.
    assert {g["Grantee"].get("DisplayName") for g in policy["Grants"] if g["Grantee"].get("ID") == ids["other"]["ID"]} == {
        ids["other"]["DisplayName"]}
    assert allowed(lambda: other.get_bucket_acl(Bucket=owned_bucket))
    assert allowed(lambda: anon.list_objects(Bucket=owned_bucket))
    other.put_object(Bucket=owned_bucket, Key="by-other", Body=b"x")

    # An object's ACL by document; the other user, owner of the object, hands WRITE_ACP to the third.
    other.put_object_acl(Bucket=owned_bucket, Key="by-other", AccessControlPolicy=policy_document(
        {"ID": ids["other"]["ID"]}, [(ids["other"]["ID"], "FULL_CONTROL"), (ids["third"]["ID"], "WRITE_ACP")]))
    assert set(grants_of(other.get_object_acl(Bucket=owned_bucket, Key="by-other"))) == {
        ("CanonicalUser", ids["other"]["ID"], "FULL_CONTROL"), ("CanonicalUser", ids["third"]["ID"], "WRITE_ACP")}
    users["third"].put_object_acl(Bucket=owned_bucket, Key="by-other", ACL="public-read")
    assert anon.get_object(Bucket=owned_bucket, Key="by-other")["Body"].read() == b"x"
    assert other.get_object_acl(Bucket=owned_bucket, Key="by-other")["Owner"] == ids["other"]

    # The owner in a document must be the current one: an ACL does not give things away.
    stolen = policy_document({"ID": ids["third"]["ID"]}, [(ids["third"]["ID"], "FULL_CONTROL")])
    assert error(lambda: owner.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy=stolen)) == (403, "AccessDenied")
    assert error(lambda: other.put_object_acl(Bucket=owned_bucket, Key="by-other", AccessControlPolicy=stolen)) == (
        403, "AccessDenied")
    # A document and headers together are refused.
    both = policy_document({"ID": ids["owner"]["ID"]}, [])
    assert error(lambda: owner.put_bucket_acl(Bucket=owned_bucket, ACL="private", AccessControlPolicy=both)) == (
        400, "InvalidArgument")
    # Grantees must exist; e-mail addresses resolve to no one here.
    unknown = policy_document({"ID": ids["owner"]["ID"]}, [("f" * 64, "READ")])
    assert error(lambda: owner.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy=unknown)) == (400, "InvalidArgument")
    email = {"Owner": {"ID": ids["owner"]["ID"]},
             "Grants": [{"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "a@example.com"}, "Permission": "READ"}]}
    assert error(lambda: owner.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy=email)) == (
        400, "UnresolvableGrantByEmailAddress")
    # An empty list is allowed: then only the owner's implicit rights to the ACL remain.
    owner.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy=policy_document({"ID": ids["owner"]["ID"]}, []))
    assert owner.get_bucket_acl(Bucket=owned_bucket)["Grants"] == []
    assert error(lambda: owner.list_objects(Bucket=owned_bucket)) == (403, "AccessDenied")
    owner.put_bucket_acl(Bucket=owned_bucket, ACL="private")
    assert allowed(lambda: owner.list_objects(Bucket=owned_bucket))


def send_body(made, operation, body):
    """Makes `made` send `body` instead of the document boto3 serialises for `operation`."""
    def replace(request, **_):
        request.data = body
        for name in list(request.headers.keys()):
            if name.lower() == "content-md5" or name.lower().startswith("x-amz-checksum") \
                    or name.lower() == "x-amz-sdk-checksum-algorithm":
                del request.headers[name]
    made.meta.events.register_first(f"before-sign.s3.{operation}", replace)
    return made


@pytest.mark.parametrize("body", [
    b"<AccessControlPolicy><Owner><ID>x</ID>",
    b"not xml at all",
    b"<AccessControlPolicy><AccessControlList/></AccessControlPolicy>",
    b'<AccessControlPolicy><Owner><ID>OWNER</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>OWNER</ID></Grantee><Permission>EVERYTHING</Permission></Grant></AccessControlList></AccessControlPolicy>',
    b'<AccessControlPolicy><Owner><ID>OWNER</ID></Owner><AccessControlList><Grant><Grantee><ID>OWNER</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
    b'<AccessControlPolicy><Owner><ID>OWNER</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Robot"><ID>OWNER</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
    b"<AccessControlPolicy><Owner><ID>OWNER</ID></Owner><AccessControlList>" + b"<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>" * 101 + b"</AccessControlList></AccessControlPolicy>",
], ids=["truncated", "not-xml", "no-owner", "bad-permission", "no-type", "unknown-type", "101-grants"])
def test_malformed_acl_documents(users, owned_bucket, body):
    owner_id = users["ids"]["owner"]["ID"]
    made = send_body(make_client((ACCESS_KEY, SECRET_KEY)), "PutBucketAcl", body.replace(b"OWNER", owner_id.encode()))
    assert error(lambda: made.put_bucket_acl(Bucket=owned_bucket, AccessControlPolicy={"Owner": {"ID": owner_id}, "Grants": []})) == (
        400, "MalformedACLError")
    assert set(grants_of(users["owner"].get_bucket_acl(Bucket=owned_bucket))) == {("CanonicalUser", owner_id, "FULL_CONTROL")}


def test_missing_keys_are_hidden_from_those_who_cannot_list(users, owned_bucket):
    owner, anon = users["owner"], users["anon"]
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="absent")) == (403, "AccessDenied")
    assert error(lambda: owner.get_object(Bucket=owned_bucket, Key="absent")) == (404, "NoSuchKey")
    owner.put_bucket_acl(Bucket=owned_bucket, ACL="public-read")
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="absent")) == (404, "NoSuchKey")
    # A bucket that does not exist is 404 for everyone, as in S3.
    assert error(lambda: anon.list_objects(Bucket=new_bucket_name("absent"))) == (404, "NoSuchBucket")


def test_anonymous_reads_and_writes_follow_the_acls(users, owned_bucket):
    owner, anon = users["owner"], users["anon"]
    owner.put_object(Bucket=owned_bucket, Key="public", Body=b"open", ACL="public-read")
    owner.put_object(Bucket=owned_bucket, Key="private", Body=b"closed")
    assert anon.get_object(Bucket=owned_bucket, Key="public")["Body"].read() == b"open"
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="private")) == (403, "AccessDenied")
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="public", ResponseContentType="text/evil")) == (
        400, "InvalidRequest")
    assert error(lambda: anon.get_object_acl(Bucket=owned_bucket, Key="public")) == (403, "AccessDenied")
    assert error(lambda: anon.put_object(Bucket=owned_bucket, Key="anon", Body=b"x")) == (403, "AccessDenied")
    owner.put_bucket_acl(Bucket=owned_bucket, ACL="public-read-write")
    anon.put_object(Bucket=owned_bucket, Key="anon", Body=b"from nobody")
    # Nobody's writes belong to the bucket's owner.
    assert owner.get_object_acl(Bucket=owned_bucket, Key="anon")["Owner"] == users["ids"]["owner"]
    assert error(lambda: anon.get_object(Bucket=owned_bucket, Key="anon")) == (403, "AccessDenied")
    upload = anon.create_multipart_upload(Bucket=owned_bucket, Key="anon-multi")["UploadId"]
    anon.abort_multipart_upload(Bucket=owned_bucket, Key="anon-multi", UploadId=upload)


def test_copies_need_read_on_the_source(users, owned_bucket):
    owner, other = users["owner"], users["other"]
    owner.put_object(Bucket=owned_bucket, Key="source", Body=b"copy me")
    theirs = new_bucket_name("acl")
    other.create_bucket(Bucket=theirs)
    try:
        source = {"Bucket": owned_bucket, "Key": "source"}
        assert error(lambda: other.copy_object(Bucket=theirs, Key="copy", CopySource=source)) == (403, "AccessDenied")
        upload = other.create_multipart_upload(Bucket=theirs, Key="multi")["UploadId"]
        assert error(lambda: other.upload_part_copy(Bucket=theirs, Key="multi", UploadId=upload, PartNumber=1,
                                                    CopySource=source)) == (403, "AccessDenied")
        other.abort_multipart_upload(Bucket=theirs, Key="multi", UploadId=upload)
        # Nor may the owner copy into a bucket it cannot write to.
        assert error(lambda: owner.copy_object(Bucket=theirs, Key="copy", CopySource=source)) == (403, "AccessDenied")
        owner.put_object_acl(Bucket=owned_bucket, Key="source", ACL="authenticated-read")
        other.copy_object(Bucket=theirs, Key="copy", CopySource=source, ACL="public-read")
        assert set(grants_of(other.get_object_acl(Bucket=theirs, Key="copy"))) == {
            ("CanonicalUser", users["ids"]["other"]["ID"], "FULL_CONTROL"), ("Group", ALL_USERS, "READ")}
        assert users["anon"].get_object(Bucket=theirs, Key="copy")["Body"].read() == b"copy me"
    finally:
        empty_and_delete(other, theirs)


def test_listings_show_each_objects_owner(users, owned_bucket):
    ids = users["ids"]
    users["owner"].put_bucket_acl(Bucket=owned_bucket, GrantFullControl=f'id="{ids["owner"]["ID"]}"',
                                  GrantWrite=f'id="{ids["other"]["ID"]}"')
    users["owner"].put_object(Bucket=owned_bucket, Key="a", Body=b"1")
    users["other"].put_object(Bucket=owned_bucket, Key="b", Body=b"2")
    listing = users["owner"].list_objects(Bucket=owned_bucket)["Contents"]
    assert {o["Key"]: o["Owner"]["ID"] for o in listing} == {"a": ids["owner"]["ID"], "b": ids["other"]["ID"]}


# --- A server of the test's own: users-file checks, and a data directory from before users. ---

def run_server(tmp_path, *args):
    """Starts mss-server with `args`, expecting it to refuse them; returns its output."""
    done = subprocess.run(
        [server_process.BINARY, "--data", str(tmp_path / "data"), "--port", "0", "--no-image-service",
         "--access-key", server_process.ACCESS_KEY, "--secret-key", server_process.SECRET_KEY, *args],
        capture_output=True, timeout=60)
    assert done.returncode != 0, done.stdout
    return (done.stdout + done.stderr).decode(errors="replace")


def write_users(path, text, mode=0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def test_unusable_users_files_are_refused(tmp_path):
    out = run_server(tmp_path, "--users", write_users(tmp_path / "open", "USERKEY01 user-secret-1\n", 0o644))
    assert "chmod 600" in out and "644" in out
    out = run_server(tmp_path, "--users", write_users(tmp_path / "dup", "# users\nUSERKEY01 user-secret-1\n\nUSERKEY01 user-secret-2\n"))
    assert "line 4" in out and "twice" in out and "user-secret" not in out
    out = run_server(tmp_path, "--users", write_users(tmp_path / "short", "USERKEY01 short\n"))
    assert "line 1" in out and "secret key" in out and "short" not in out.split("secret key")[1][:60]
    out = run_server(tmp_path, "--users", write_users(tmp_path / "bad", "USER/KEY secret-key-1\n"))
    assert "line 1" in out and "access key" in out
    out = run_server(tmp_path, "--users", write_users(tmp_path / "one", "lonely-field\n"))
    assert "line 1" in out
    out = run_server(tmp_path, "--users", write_users(tmp_path / "primary", f"{server_process.ACCESS_KEY} another-secret\n"))
    assert server_process.ACCESS_KEY in out and "another-secret" not in out
    out = run_server(tmp_path, "--users", str(tmp_path / "missing"))
    assert "missing" in out


def rewrite_acls(directory, value):
    """Turns every stored ACL under `directory` back into the bare string of older servers."""
    def walk(node):
        if isinstance(node, dict):
            return {k: (value if k == "acl" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node
    count = 0
    for root, _, files in os.walk(directory):
        for name in files:
            if name.endswith(".json"):
                path = os.path.join(root, name)
                with open(path) as f:
                    document = json.load(f)
                if "acl" in json.dumps(document):
                    with open(path, "w") as f:
                        json.dump(walk(document), f)
                    count += 1
    return count


def test_data_directories_from_before_users_keep_working(tmp_path):
    users_file = write_users(tmp_path / "users", "OLDSTOREUSER01 old-store-user-secret Someone Else\n")
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", extra_args=["--users", users_file])
    server.start()
    try:
        primary = server.client()
        primary_id = primary.list_buckets()["Owner"]["ID"]
        for name in ("legacy-private", "legacy-public"):
            primary.create_bucket(Bucket=name)
            primary.put_object(Bucket=name, Key="object", Body=name.encode())
        server.stop()
        # Servers of that time kept every document in a file of its own.
        for name in ("legacy-private", "legacy-public"):
            store_layout.unpack_bucket(str(tmp_path / "data"), name)
        assert rewrite_acls(tmp_path / "data" / "buckets" / "legacy-private", "private") >= 2
        assert rewrite_acls(tmp_path / "data" / "buckets" / "legacy-public", "public-read") >= 2
        # Servers of that time kept no index of keys (.mss/index.sqlite): the start reads the
        # documents as they are.
        for index_file in (tmp_path / "data" / ".mss").glob("index.sqlite*"):
            index_file.unlink()
        server.start()
        primary = server.client()
        someone = make_client(("OLDSTOREUSER01", "old-store-user-secret"), server.endpoint)
        anon = make_client(None, server.endpoint)
        assert sorted(b["Name"] for b in primary.list_buckets()["Buckets"]) == ["legacy-private", "legacy-public"]
        assert someone.list_buckets()["Buckets"] == []
        assert error(lambda: someone.create_bucket(Bucket="legacy-private")) == (409, "BucketAlreadyExists")
        policy = primary.get_bucket_acl(Bucket="legacy-public")
        assert policy["Owner"]["ID"] == primary_id
        assert set(grants_of(policy)) == {("CanonicalUser", primary_id, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")}
        assert set(grants_of(primary.get_object_acl(Bucket="legacy-private", Key="object"))) == {
            ("CanonicalUser", primary_id, "FULL_CONTROL")}
        assert anon.get_object(Bucket="legacy-public", Key="object")["Body"].read() == b"legacy-public"
        assert error(lambda: anon.get_object(Bucket="legacy-private", Key="object")) == (403, "AccessDenied")
        assert error(lambda: someone.get_object(Bucket="legacy-private", Key="object")) == (403, "AccessDenied")
        assert primary.get_object(Bucket="legacy-private", Key="object")["Body"].read() == b"legacy-private"
        # Changing an old ACL writes the new form, which reads back the same after a restart.
        primary.put_object_acl(Bucket="legacy-private", Key="object", ACL="authenticated-read")
        server.stop()
        server.start()
        assert make_client(("OLDSTOREUSER01", "old-store-user-secret"), server.endpoint).get_object(
            Bucket="legacy-private", Key="object")["Body"].read() == b"legacy-private"
    finally:
        server.stop()


# MARK: one operation for authorisation and dispatch


def test_sub_resources_mixed_in_one_request_are_one_operation(users, owned_bucket):
    """`PUT ?acl&uploadId=…` with a copy source is UploadPartCopy to dispatch; it must be that to
    authorisation too (not PutObjectAcl), and the copy must need READ on what it reads."""
    owner, other = users["owner"], users["other"]
    owner.put_object(Bucket=owned_bucket, Key="secret", Body=b"private bytes")
    theirs = new_bucket_name("mixed")
    other.create_bucket(Bucket=theirs)
    try:
        upload = other.create_multipart_upload(Bucket=theirs, Key="stolen")["UploadId"]

        def add_acl(request, **_):
            request.url += "&acl"

        other.meta.events.register("before-sign.s3.UploadPartCopy", add_acl)
        try:
            outcome = error(lambda: other.upload_part_copy(
                Bucket=theirs, Key="stolen", UploadId=upload, PartNumber=1,
                CopySource={"Bucket": owned_bucket, "Key": "secret"}))
        finally:
            other.meta.events.unregister("before-sign.s3.UploadPartCopy", add_acl)
        assert outcome == (403, "AccessDenied")
        assert other.list_parts(Bucket=theirs, Key="stolen", UploadId=upload).get("Parts", []) == []
        # A plain copy of the same source is refused the same way, and a missing source does not
        # tell a stranger whether it exists.
        assert error(lambda: other.copy_object(Bucket=theirs, Key="copy", CopySource={"Bucket": owned_bucket, "Key": "secret"})) \
            == (403, "AccessDenied")
        assert error(lambda: other.copy_object(Bucket=theirs, Key="copy", CopySource={"Bucket": owned_bucket, "Key": "nothing"})) \
            == (403, "AccessDenied")
        other.abort_multipart_upload(Bucket=theirs, Key="stolen", UploadId=upload)
    finally:
        empty_and_delete(other, theirs)


def test_image_service_checks_the_version_it_renders(users, owned_bucket):
    """An anonymous image request naming an old public-read version must not pass the check on
    that version and then render the current, private one."""
    import urllib.error
    import urllib.request

    from rawhttp import jpeg_bytes
    image_endpoint = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")
    assert image_endpoint, "MSS_SERVER_IMAGE_ENDPOINT is not set: scripts/test.sh sets it"
    owner = users["owner"]
    owner.put_bucket_versioning(Bucket=owned_bucket, VersioningConfiguration={"Status": "Enabled"})
    public = owner.put_object(Bucket=owned_bucket, Key="img.jpg", Body=jpeg_bytes(), ACL="public-read")["VersionId"]
    url = f"{image_endpoint}/{owned_bucket}/img.jpg@50w"
    with urllib.request.urlopen(url, timeout=30) as answer:
        assert answer.status == 200
    owner.put_object(Bucket=owned_bucket, Key="img.jpg", Body=jpeg_bytes(color=(0, 0, 255)))
    for query in (f"?versionId={public}", f"?versionId={public}&acl", ""):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + query, timeout=30)
        assert refused.value.code == 403, query
    for version in owner.list_object_versions(Bucket=owned_bucket)["Versions"]:
        owner.delete_object(Bucket=owned_bucket, Key=version["Key"], VersionId=version["VersionId"])
