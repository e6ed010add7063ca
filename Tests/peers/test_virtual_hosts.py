"""Virtual-host style addressing (`Host: bucket.localhost:PORT`), the default of most AWS SDKs,
on an mss-server started with `--domain localhost`; path style keeps working beside it.

`*.localhost` names do not resolve on every machine, so the test process resolves them to
127.0.0.1 itself: the requests still travel over real sockets with the bucket in the Host header.
"""
import socket

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from rawhttp import exchange
from server_process import ACCESS_KEY, SECRET_KEY, ServerProcess

_real_getaddrinfo = socket.getaddrinfo


def _resolve_localhost_subdomains(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("virtual-hosts")
    process = ServerProcess(root / "data", root / "server.log", extra_args=["--domain", "localhost"]).start()
    yield process
    process.stop()


@pytest.fixture
def resolver(monkeypatch):
    monkeypatch.setattr(socket, "getaddrinfo", _resolve_localhost_subdomains)


def make_client(server, style, signature="s3v4"):
    return boto3.client(
        "s3", endpoint_url=f"http://localhost:{server.port}", aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(signature_version=signature, s3={"addressing_style": style}, retries={"max_attempts": 1}))


@pytest.mark.parametrize("signature", ["s3v4", "s3"])
def test_boto3_virtual_host_style_round_trip(server, resolver, signature):
    virtual = make_client(server, "virtual", signature)
    path = make_client(server, "path", signature)
    sent = []
    virtual.meta.events.register("before-send.s3", lambda request, **_: sent.append(request.url))
    name = f"vhost-{signature.replace('3', '')}-bucket"
    virtual.create_bucket(Bucket=name)
    virtual.put_object(Bucket=name, Key="dir/a key+plus", Body=b"virtual")
    assert all(url.startswith(f"http://{name}.localhost:{server.port}/") for url in sent), sent
    # Both styles see the same bucket.
    assert path.get_object(Bucket=name, Key="dir/a key+plus")["Body"].read() == b"virtual"
    assert [o["Key"] for o in virtual.list_objects(Bucket=name)["Contents"]] == ["dir/a key+plus"]
    assert virtual.list_objects_v2(Bucket=name, Prefix="dir/")["KeyCount"] == 1
    copy = virtual.copy_object(Bucket=name, Key="copy", CopySource={"Bucket": name, "Key": "dir/a key+plus"})
    assert copy["CopyObjectResult"]["ETag"]
    virtual.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "dir/a key+plus"}, {"Key": "copy"}]})
    virtual.head_bucket(Bucket=name)
    virtual.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as error:
        path.head_bucket(Bucket=name)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unsigned_virtual_host_request_is_refused_and_unknown_bucket_is_named(server, resolver):
    virtual = make_client(server, "virtual")
    virtual.create_bucket(Bucket="private-vhost-bucket")
    virtual.put_object(Bucket="private-vhost-bucket", Key="k", Body=b"secret")
    try:
        response = exchange(
            f"GET /k HTTP/1.1\r\nHost: private-vhost-bucket.localhost:{server.port}\r\nConnection: close\r\n\r\n".encode(),
            port=server.port)
        assert response.status == 403 and b"AccessDenied" in response.body
        with pytest.raises(ClientError) as error:
            virtual.get_object(Bucket="no-such-vhost-bucket", Key="k")
        assert error.value.response["Error"]["Code"] == "NoSuchBucket"
    finally:
        virtual.delete_object(Bucket="private-vhost-bucket", Key="k")
        virtual.delete_bucket(Bucket="private-vhost-bucket")


def test_hosts_outside_the_domain_stay_path_style(server):
    """127.0.0.1 and plain `localhost` are not bucket hosts: the first path segment is the bucket."""
    plain = boto3.client(
        "s3", endpoint_url=server.endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
    plain.create_bucket(Bucket="path-style-only")
    plain.put_object(Bucket="path-style-only", Key="k", Body=b"p")
    assert make_client(server, "path").get_object(Bucket="path-style-only", Key="k")["Body"].read() == b"p"
    plain.delete_object(Bucket="path-style-only", Key="k")
    plain.delete_bucket(Bucket="path-style-only")
