"""The image service's cache of rendered variants, seen from outside: `x-mss-image-cache` says
hit or miss, Pillow checks the pixels. A repeat is served from the cache (HEAD included, without
rendering); an overwritten or deleted source is never served from it; a source made private is
refused to anonymous callers though its variant is cached; equivalent process strings share a
variant; the cache stays within `--image-cache-size`, evicting the least recently used, and its
files are private and survive a restart.
"""
import io
import os
import stat
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from conftest import ACCESS_KEY, SECRET_KEY
from server_process import ServerProcess
from server_process import ACCESS_KEY as OWN_ACCESS_KEY, SECRET_KEY as OWN_SECRET_KEY

IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")


def images_client(endpoint=None, access=ACCESS_KEY, secret=SECRET_KEY):
    return boto3.client(
        "s3", endpoint_url=endpoint or IMAGE_ENDPOINT, aws_access_key_id=access, aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def jpeg(size, colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def noisy_jpeg(size, seed):
    """Incompressible-ish pixels, so variants have a predictable, non-trivial size."""
    image = Image.effect_noise(size, 80 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def get(images, bucket, key, process):
    answer = images.get_object(Bucket=bucket, Key=f"{key}@{process}")
    return answer["ResponseMetadata"]["HTTPHeaders"].get("x-mss-image-cache"), answer["Body"].read()


def head(images, bucket, key, process):
    answer = images.head_object(Bucket=bucket, Key=f"{key}@{process}")
    return answer["ResponseMetadata"]["HTTPHeaders"].get("x-mss-image-cache"), answer["ContentLength"]


@pytest.fixture
def images():
    assert IMAGE_ENDPOINT, "MSS_SERVER_IMAGE_ENDPOINT is not set"
    return images_client()


def test_a_repeat_is_served_from_the_cache_with_the_same_bytes(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)))
    state, first = get(images, bucket, "a.jpg", "100w")
    assert state == "miss"
    state, second = get(images, bucket, "a.jpg", "100w")
    assert state == "hit" and second == first
    assert Image.open(io.BytesIO(second)).size == (100, 50)


def test_head_is_answered_from_the_cache_and_fills_it_on_a_miss(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)))
    state, length = head(images, bucket, "a.jpg", "50w.png")
    assert state == "miss" and length > 0
    state, again = head(images, bucket, "a.jpg", "50w.png")
    assert state == "hit" and again == length
    state, body = get(images, bucket, "a.jpg", "50w.png")
    assert state == "hit" and len(body) == length


def test_an_overwritten_source_is_rendered_again(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200), "red"))
    get(images, bucket, "a.jpg", "100w")
    assert get(images, bucket, "a.jpg", "100w")[0] == "hit"
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((200, 400), "blue"))
    state, body = get(images, bucket, "a.jpg", "100w")
    assert state == "miss"
    picture = Image.open(io.BytesIO(body)).convert("RGB")
    assert picture.size == (100, 200)
    red, green, blue = picture.getpixel((50, 100))
    assert blue > 200 and red < 60


def test_a_deleted_source_is_not_served_from_the_cache(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)))
    get(images, bucket, "a.jpg", "100w")
    assert get(images, bucket, "a.jpg", "100w")[0] == "hit"
    s3v4.delete_object(Bucket=bucket, Key="a.jpg")
    with pytest.raises(images.exceptions.NoSuchKey):
        images.get_object(Bucket=bucket, Key="a.jpg@100w")
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)))
    assert get(images, bucket, "a.jpg", "100w")[0] == "miss"


def test_a_source_made_private_is_refused_to_anonymous_callers_though_cached(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)), ACL="public-read")
    url = f"{IMAGE_ENDPOINT}/{bucket}/a.jpg@100w"
    with urllib.request.urlopen(url) as answer:
        assert answer.headers["x-mss-image-cache"] == "miss"
    with urllib.request.urlopen(url) as answer:
        assert answer.headers["x-mss-image-cache"] == "hit"
    s3v4.put_object_acl(Bucket=bucket, Key="a.jpg", ACL="private")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url)
    assert refused.value.code == 403 and b"<Code>AccessDenied</Code>" in refused.value.read()
    # The owner still reads it, from the cache.
    assert get(images, bucket, "a.jpg", "100w")[0] == "hit"


def test_equivalent_process_strings_share_a_variant(s3v4, bucket, images):
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)))
    assert get(images, bucket, "a.jpg", "100w_50h")[0] == "miss"
    assert get(images, bucket, "a.jpg", "50h_100w")[0] == "hit"


def test_a_watermark_object_change_is_a_new_variant(s3v4, bucket, images):
    import base64

    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200), "white"))
    s3v4.put_object(Bucket=bucket, Key="mark.png", Body=jpeg((40, 40), "red"))
    mark = base64.urlsafe_b64encode(b"mark.png").decode().rstrip("=")
    process = f"watermark=1&object={mark}"
    assert get(images, bucket, "a.jpg", process)[0] == "miss"
    assert get(images, bucket, "a.jpg", process)[0] == "hit"
    s3v4.put_object(Bucket=bucket, Key="mark.png", Body=jpeg((40, 40), "blue"))
    state, body = get(images, bucket, "a.jpg", process)
    assert state == "miss"
    corner = Image.open(io.BytesIO(body)).convert("RGB").getpixel((375, 175))
    assert corner[2] > 200 and corner[0] < 60, corner


def cache_files(data_dir):
    root = os.path.join(data_dir, ".mss", "image-cache")
    found = []
    for shard in os.listdir(root):
        if len(shard) == 2:
            for name in os.listdir(os.path.join(root, shard)):
                found.append(os.path.join(root, shard, name))
    return found


def test_the_cache_keeps_to_its_size_evicts_the_least_recently_used_and_survives_a_restart(tmp_path):
    limit = 250_000
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", extra_args=["--image-cache-size", str(limit)]).start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="cache")
        s3.put_object(Bucket="cache", Key="noise.jpg", Body=noisy_jpeg((300, 300), 0))
        images = images_client(f"http://127.0.0.1:{server.image_port}", OWN_ACCESS_KEY, OWN_SECRET_KEY)
        # Each variant is a distinct quality of the same noisy picture, about 40-100 KB.
        sizes = []
        for quality in range(60, 100, 4):
            state, body = get(images, "cache", "noise.jpg", f"{quality}Q")
            assert state == "miss"
            sizes.append(len(body))
            # The first variant is read again and again: the most recently used stays.
            if quality > 60:
                assert get(images, "cache", "noise.jpg", "60Q")[0] == "hit"
        assert sum(sizes) > 2 * limit, sizes
        files = cache_files(tmp_path / "data")
        assert sum(os.path.getsize(path) for path in files) <= limit
        assert all(stat.S_IMODE(os.stat(path).st_mode) == 0o600 for path in files)
        assert get(images, "cache", "noise.jpg", "96Q")[0] == "hit"  # the newest stays
        assert get(images, "cache", "noise.jpg", "64Q")[0] == "miss"  # the least recently used went
        server.stop()
        server.start()
        images = images_client(f"http://127.0.0.1:{server.image_port}", OWN_ACCESS_KEY, OWN_SECRET_KEY)
        # Variants made before the restart are still served while their source is current...
        assert get(images, "cache", "noise.jpg", "60Q")[0] == "hit"
        # ...and never once it changed.
        s3 = server.client()
        s3.put_object(Bucket="cache", Key="noise.jpg", Body=noisy_jpeg((300, 300), 1))
        assert get(images, "cache", "noise.jpg", "60Q")[0] == "miss"
    finally:
        server.stop()


def test_a_cache_size_of_zero_turns_it_off(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log", extra_args=["--image-cache-size", "0"]).start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="nocache")
        s3.put_object(Bucket="nocache", Key="a.jpg", Body=jpeg((400, 200)))
        images = images_client(f"http://127.0.0.1:{server.image_port}", OWN_ACCESS_KEY, OWN_SECRET_KEY)
        for _ in range(2):
            state, body = get(images, "nocache", "a.jpg", "100w")
            assert state is None and Image.open(io.BytesIO(body)).size == (100, 50)
    finally:
        server.stop()


def test_a_bad_cache_size_is_refused_at_start(tmp_path):
    import subprocess
    from server_process import BINARY

    answer = subprocess.run([BINARY, "--data", str(tmp_path / "data"), "--image-cache-size", "lots"], capture_output=True, text=True)
    assert answer.returncode != 0 and "--image-cache-size" in answer.stderr


def test_hostile_conditions_on_cached_variants_and_copies(s3v4, bucket, images):
    """Malformed, huge and duplicated condition headers on the paths this change touched: a
    cached image variant and a copy source. Each answer is a clean status; the server stays up."""
    s3v4.put_object(Bucket=bucket, Key="a.jpg", Body=jpeg((400, 200)), ACL="public-read")
    get(images, bucket, "a.jpg", "100w")
    host, port = IMAGE_ENDPOINT.split("//")[1].split(":")
    for headers, allowed in [
        ({"If-None-Match": ",,,,"}, {200}),
        ({"If-None-Match": "*"}, {304}),
        ({"If-Match": "W/"}, {412}),
        ({"If-Modified-Since": "Mon, 31 Dec 99999999999 23:59:59 GMT"}, {200}),
        ({"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, {412}),
        ({"If-Modified-Since": "x" * 5000}, {200}),
    ]:
        request = urllib.request.Request(f"{IMAGE_ENDPOINT}/{bucket}/a.jpg@100w", headers=headers)
        try:
            with urllib.request.urlopen(request) as answer:
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        assert status in allowed, (headers, status)
    # Duplicated conditions over a raw socket: still an answer, not a dropped connection.
    raw = (f"GET /{bucket}/a.jpg@100w HTTP/1.1\r\nHost: {host}:{port}\r\nIf-None-Match: \"x\"\r\n"
           f"If-None-Match: *\r\nConnection: close\r\n\r\n").encode()
    import socket

    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        first = sock.recv(64)
    assert first.startswith(b"HTTP/1.1 ") and int(first[9:12]) < 500, first
    # Copy-source conditions as raw signed headers (boto3 would refuse to send bad dates).
    cases = [
        ({"x-amz-copy-source-if-modified-since": "not a date"}, 200),
        ({"x-amz-copy-source-if-unmodified-since": "Mon, 31 Dec 99999999999 23:59:59 GMT"}, 200),
        ({"x-amz-copy-source-if-modified-since": "9" * 400}, 200),
        ({"x-amz-copy-source-if-match": ",,,"}, 412),
        ({"x-amz-copy-source-if-none-match": "*"}, 412),
        ({"x-amz-copy-source-if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 412),
    ]
    for headers, expected in cases:
        def add(request, headers=headers, **_):
            for name, value in headers.items():
                request.headers[name] = value
        s3v4.meta.events.register("before-sign.s3.CopyObject", add)
        try:
            s3v4.copy_object(Bucket=bucket, Key="copy.jpg", CopySource={"Bucket": bucket, "Key": "a.jpg"})
            status = 200
        except s3v4.exceptions.ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            assert error.response["Error"]["Code"] == "PreconditionFailed", error.response["Error"]
        finally:
            s3v4.meta.events.unregister("before-sign.s3.CopyObject", add)
        assert status == expected, (headers, status)
    # And the server is still answering.
    assert get(images, bucket, "a.jpg", "100w")[0] == "hit"
