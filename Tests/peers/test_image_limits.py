"""Bounded work per image request on mss-server's image port: sizes past the pixel limit are
refused with 400 naming the size and the limit before anything that big is built; a burst of
renders past the render pool's threads and queue is turned away with 503 SlowDown while the rest
succeed, and the server answers normally afterwards; a render past its time limit is stopped.

The shared server (MSS_SERVER_IMAGE_ENDPOINT) runs the defaults: 50,000,000 pixels, the core count
in render threads, 16 waiting, 10 s. The tests that fill a render pool start their own mss-server
(MSS_SERVER_BINARY), with the defaults or with a small pool and a short time limit
(--render-threads / --render-queue / --render-timeout): the suite runs on several workers, and a
full pool on the shared server would turn away the renders of the tests beside it.
"""
import base64
import concurrent.futures
import io
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config
from PIL import Image

from conftest import ACCESS_KEY, SECRET_KEY, client, empty_and_delete
from server_process import free_ports
from test_image_service import IMAGE_ENDPOINT, http_get, put_image, sigv2_url

BINARY = os.environ.get("MSS_SERVER_BINARY", "")
DEFAULT_MAXIMUM_PIXELS = 50_000_000


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def noise_jpeg(width, height):
    """Random pixels: no filter or encoder takes a shortcut through them."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def flat_png(width, height):
    buffer = io.BytesIO()
    Image.new("L", (width, height), 200).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sources():
    """A bucket with a small image, a 20-megapixel strip and a noise JPEG that is slow to blur."""
    assert IMAGE_ENDPOINT, "MSS_SERVER_IMAGE_ENDPOINT is not set"
    s3 = client()
    name = f"limits-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    put_image(s3, name, "small.jpg", Image.new("RGB", (400, 200), "white"))
    s3.put_object(Bucket=name, Key="strip.png", Body=flat_png(20_000, 1_000))
    s3.put_object(Bucket=name, Key="logo.png", Body=flat_png(300, 300))
    s3.put_object(Bucket=name, Key="noise.jpg", Body=noise_jpeg(1200, 1200))
    yield name
    empty_and_delete(s3, name)


def image_status(bucket, key, process, endpoint=None):
    url = sigv2_url(f"/{bucket}/{key}@{urllib.parse.quote(process, safe='=&|')}")
    if endpoint:
        url = url.replace(IMAGE_ENDPOINT, endpoint, 1)
    return http_get(url)


@pytest.mark.parametrize(
    "key,process,fragments",
    [
        # 16384 px a side passes the edge limit; 268 Mpx (1 GiB at four bands) does not pass the pixel limit.
        ("small.jpg", "4096w_4096h_2e_400p", [b"16384x16384", b"50000000"]),
        # A 20 Mpx source is legal; turned 45 degrees its bounding box is about 14850 px square.
        ("strip.png", "45r", [b"rotated image", b"50000000"]),
        # 64 wide glyphs at 1000 px: the text mask is refused before it is drawn.
        ("small.jpg", f"watermark=2&text={b64('你' * 64)}&size=1000", [b"watermark text at 1000 px"]),
        # Line breaks make the mask tall, which no character count would catch.
        ("small.jpg", f"watermark=2&text={b64(chr(10) * 40 + 'x')}&size=1000", [b"watermark text at 1000 px"]),
        # A watermark object's own preprocessing is planned like the main image's.
        ("small.jpg", f"watermark=1&object={b64('logo.png@4096w_4096h_4e_1000p_50P')}", [b"40960x40960"]),
    ],
    ids=["resize-16384-square", "rotate-45-big", "text-wide", "text-tall", "watermark-object-pad"],
)
def test_huge_pixel_requests_are_400_naming_the_limit(sources, key, process, fragments):
    started = time.monotonic()
    status, body, _ = image_status(sources, key, process)
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body, body
    for fragment in fragments:
        assert fragment in body, body
    # Refused from the plan, not after building a gigabyte.
    assert time.monotonic() - started < 5
    # The sources are still served normally.
    status, body, _ = image_status(sources, "small.jpg", "100w")
    assert status == 200 and Image.open(io.BytesIO(body)).size == (100, 50)


def test_hostile_numbers_in_every_token_are_400(sources):
    huge = "100000000000000000000"
    tokens = ["w", "h", "e", "l", "c", "p", "r", "o", "q", "Q", "pr", "wh", "sh", "b", "d"]
    processes = [huge + token for token in tokens] + ["99999999w", f"{huge}-1-1bgc", f"1-1-1-{huge}a", f"1-{huge}bl",
                                                      f"{huge}x1-1rc", f"1x1-{huge}rc"]
    text = f"watermark=2&text={b64('hi')}"
    processes += [f"{text}&{key}={huge}" for key in ["t", "p", "x", "y", "voffset", "size", "s", "order", "align", "interval"]]
    processes += [f"watermark=1&object={b64('logo.png@' + huge + 'P')}"]
    for process in processes:
        status, body, _ = image_status(sources, "small.jpg", process)
        assert status == 400 and b"<Code>InvalidArgument</Code>" in body, (process, body)


def burst(url, count):
    """`count` GETs of `url` at once, each on its own connection: their statuses and bodies."""
    barrier = threading.Barrier(count)

    def one(_):
        barrier.wait()
        return http_get(url)

    with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def check_burst(answers, time_limit=False):
    """Checks a burst's answers: some admitted (200), the rest turned away with 503 SlowDown.
    With `time_limit`, an admitted render may instead have been stopped by the server's render
    time limit (400, its own message): on a loaded machine a render of a second can overrun."""
    statuses = [status for status, _, _ in answers]
    stopped = [body for status, body, _ in answers if status == 400]
    if time_limit:
        assert all(b"processing took longer than" in body for body in stopped), stopped[:1]
        statuses = [200 if status == 400 else status for status in statuses]
    assert set(statuses) <= {200, 503}, statuses
    slow = [(body, headers) for status, body, headers in answers if status == 503]
    assert slow, f"no request was turned away: {statuses}"
    assert all(b"<Code>SlowDown</Code>" in body for body, _ in slow), slow[0][0]
    # A client is told when to come back, as S3 does with SlowDown.
    assert all(headers.get("Retry-After") == "1" for _, headers in slow), [dict(headers) for _, headers in slow[:1]]
    assert statuses.count(200) >= 1, statuses
    return statuses


def test_a_burst_past_the_render_queue_gets_503_slowdown(default_pool):
    # A server with the default pool admits its core count plus 16; send far more, each a blur
    # that takes a while, all at once. Those admitted finish; the rest are told to slow down.
    # The server is the test's own: on the shared one the burst would turn away the renders of
    # tests running beside it.
    endpoint, image_endpoint, bucket = default_pool
    count = (os.cpu_count() or 2) + 16 + 40
    statuses = check_burst(burst(sigv2_url(f"/{bucket}/noise.jpg@20-20bl").replace(IMAGE_ENDPOINT, image_endpoint, 1), count))
    assert statuses.count(503) <= count - 1
    # Up and rendering afterwards, on both ports.
    status, body, _ = image_status(bucket, "small.jpg", "100w", image_endpoint)
    assert status == 200 and Image.open(io.BytesIO(body)).size == (100, 50)
    own = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    assert own.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


# MARK: a server of the test's own, with a small pool and a short time limit


def binary_has_render_options():
    if not BINARY or not os.access(BINARY, os.X_OK):
        return False
    help_text = subprocess.run([BINARY, "--help"], capture_output=True, text=True, timeout=30).stdout
    return "--render-threads" in help_text and "--render-queue" in help_text and "--render-timeout" in help_text


def own_server(*options):
    """Runs an mss-server of the test's own with `options`, with a bucket "limits" holding the
    test images: yields (S3 endpoint, image endpoint, bucket)."""
    directory = tempfile.mkdtemp(prefix="mss-image-limits-")
    port, image_port = free_ports(2)
    log = open(os.path.join(directory, "server.log"), "wb")
    process = subprocess.Popen(
        [BINARY, "--data", os.path.join(directory, "data"), "--port", str(port), "--image-port", str(image_port),
         "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, *options],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    endpoint, image_endpoint = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{image_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, open(log.name, "rb").read().decode(errors="replace")
            try:
                urllib.request.urlopen(image_endpoint + "/", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline, "mss-server did not start"
                time.sleep(0.1)
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="limits")
        s3.put_object(Bucket="limits", Key="noise.jpg", Body=noise_jpeg(1200, 1200))
        s3.put_object(Bucket="limits", Key="big-noise.jpg", Body=noise_jpeg(3000, 2000))
        put_image(s3, "limits", "small.jpg", Image.new("RGB", (400, 200), "white"))
        yield endpoint, image_endpoint, "limits"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def default_pool():
    """mss-server with the default render pool, queue and time limit."""
    assert BINARY and os.access(BINARY, os.X_OK), "MSS_SERVER_BINARY is not set"
    yield from own_server()


@pytest.fixture(scope="module")
def small_pool():
    """mss-server with one render thread, one waiting render and a 1 s time limit."""
    assert binary_has_render_options(), "mss-server lacks --render-threads/--render-queue/--render-timeout"
    yield from own_server("--render-threads", "1", "--render-queue", "1", "--render-timeout", "1")


def test_one_thread_and_one_waiting_turns_the_rest_away(small_pool):
    _, image_endpoint, bucket = small_pool
    url = sigv2_url(f"/{bucket}/noise.jpg@20-20bl").replace(IMAGE_ENDPOINT, image_endpoint, 1)
    statuses = check_burst(burst(url, 12), time_limit=True)
    # Two admitted at once; a late arrival may find a slot freed, but most are turned away.
    assert statuses.count(503) >= 6, statuses
    status, _, _ = http_get(sigv2_url(f"/{bucket}/small.jpg@100w").replace(IMAGE_ENDPOINT, image_endpoint, 1))
    assert status == 200


def test_a_render_past_its_time_limit_is_stopped(small_pool):
    _, image_endpoint, bucket = small_pool
    started = time.monotonic()
    status, body, _ = http_get(sigv2_url(f"/{bucket}/big-noise.jpg@50-50bl").replace(IMAGE_ENDPOINT, image_endpoint, 1))
    elapsed = time.monotonic() - started
    assert status == 400 and b"<Code>InvalidArgument</Code>" in body and b"processing took longer than 1 s" in body, body
    # Stopped inside libvips near the limit, not after the many seconds the blur would take.
    assert elapsed < 5, elapsed
    status, _, _ = http_get(sigv2_url(f"/{bucket}/small.jpg@100w").replace(IMAGE_ENDPOINT, image_endpoint, 1))
    assert status == 200
