"""The image service of mss-server, requested by boto3 and by hand-signed plain HTTP, its output
decoded with Pillow (independent of libvips): sizes, formats, rotation direction, where a
watermark lands, quality, both spellings of '@', errors, HEAD and ETag.

The image endpoint comes in MSS_SERVER_IMAGE_ENDPOINT.
"""
import base64
import hashlib
import hmac
import io
import os
import time
import urllib.parse
import urllib.request
import urllib.error

import boto3
import pytest
from botocore.config import Config
from PIL import Image, ImageChops

from conftest import ACCESS_KEY, SECRET_KEY

IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")


def image_client(signature):
    return boto3.client(
        "s3",
        endpoint_url=IMAGE_ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(signature_version=signature, s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


@pytest.fixture(params=["s3", "s3v4"], ids=["sigv2", "sigv4"])
def images(request):
    assert IMAGE_ENDPOINT, "MSS_SERVER_IMAGE_ENDPOINT is not set"
    return image_client(request.param)


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def put_image(s3client, bucket, key, image, fmt="JPEG", **save):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    s3client.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())
    return buffer.getvalue()


def fetch(images, bucket, key, process):
    answer = images.get_object(Bucket=bucket, Key=f"{key}@{process}")
    body = answer["Body"].read()
    return answer, body, Image.open(io.BytesIO(body))


def marked_source():
    """400x200 white with a red 40x20 block in the top-left corner."""
    image = Image.new("RGB", (400, 200), "white")
    image.paste((255, 0, 0), (0, 0, 40, 20))
    return image


def is_red(pixel):
    r, g, b = pixel[:3]
    return r > 200 and g < 60 and b < 60


def test_resize_modes_and_formats(s3v4, bucket, images):
    put_image(s3v4, bucket, "src.jpg", marked_source(), quality=95)
    cases = {
        "100w": ("JPEG", (100, 50)),
        "100h": ("JPEG", (200, 100)),
        "100w_100h": ("JPEG", (100, 50)),
        "100w_100h_1e": ("JPEG", (200, 100)),
        "100w_100h_1e_1c.png": ("PNG", (100, 100)),
        "30w_70h_2e.webp": ("WEBP", (30, 70)),
        "100w_100h_4e.gif": ("GIF", (100, 100)),
        "50p.bmp": ("BMP", (200, 100)),
        "1000w_1l": ("JPEG", (400, 200)),
        "10-10-100-50a": ("JPEG", (100, 50)),
        "100x60-9rc.png": ("PNG", (100, 60)),
        "100w|90r": ("JPEG", (50, 100)),
    }
    for process, (fmt, size) in cases.items():
        answer, body, image = fetch(images, bucket, "src.jpg", process)
        assert (image.format, image.size) == (fmt, size), process
        assert answer["ContentType"] == f"image/{fmt.lower()}", process
        assert answer["ContentLength"] == len(body)
        assert answer["ETag"].strip('"') == hashlib.md5(body).hexdigest()


def test_pad_uses_the_background_colour(s3v4, bucket, images):
    put_image(s3v4, bucket, "src.png", marked_source(), fmt="PNG")
    _, _, image = fetch(images, bucket, "src.png", "100w_100h_4e_0-0-255bgc.png")
    assert image.size == (100, 100)
    top = image.convert("RGB").getpixel((50, 5))
    assert top[2] > 200 and top[0] < 60, top  # the pad band above the 100x50 image is blue


def test_rotation_is_clockwise(s3v4, bucket, images):
    put_image(s3v4, bucket, "src.png", marked_source(), fmt="PNG")
    _, _, image = fetch(images, bucket, "src.png", "90r.png")
    assert image.size == (200, 400)
    rgb = image.convert("RGB")
    # Clockwise, the top-left block goes to the top-right corner.
    assert is_red(rgb.getpixel((195, 5))) and not is_red(rgb.getpixel((5, 5)))
    _, _, image = fetch(images, bucket, "src.png", "270r.png")
    rgb = image.convert("RGB")
    assert is_red(rgb.getpixel((5, 395))) and not is_red(rgb.getpixel((195, 5)))
    _, _, image = fetch(images, bucket, "src.png", "30r.png")
    # The corners a non-right angle uncovers are filled white.
    assert image.convert("RGB").getpixel((0, 0)) == (255, 255, 255)
    assert abs(image.size[0] - 446) <= 2 and abs(image.size[1] - 373) <= 2


def changed_box(before, after):
    return ImageChops.difference(before.convert("RGB"), after.convert("RGB")).point(lambda v: 255 if v > 40 else 0).getbbox()


@pytest.mark.parametrize("position,corner", [(1, "top-left"), (3, "top-right"), (5, "centre"), (9, "bottom-right")])
def test_text_watermark_lands_in_the_requested_place(s3v4, bucket, images, position, corner):
    source = Image.new("RGB", (600, 400), "white")
    put_image(s3v4, bucket, "white.png", source, fmt="PNG")
    _, _, image = fetch(images, bucket, "white.png", f"watermark=2&text={b64('hello, 世界')}&size=40&p={position}&x=20&y=30&type={b64('wqy-microhei')}|.png")
    box = changed_box(source, image)
    assert box is not None, "the watermark changed nothing"
    left, top, right, bottom = box
    assert right - left > 100 and bottom - top > 20  # the text is there, at about 40 px
    expected = {
        "top-left": lambda: left >= 20 and left < 30 and top >= 30 and top < 45,
        "top-right": lambda: right <= 580 and right > 570 and top >= 30 and top < 45,
        "centre": lambda: abs((left + right) / 2 - 300) < 10 and abs((top + bottom) / 2 - 200) < 15,
        "bottom-right": lambda: right <= 580 and right > 570 and bottom <= 370 and bottom > 355,
    }
    assert expected[corner](), (corner, box)


def test_seed_watermark_and_colour(s3v4, bucket, images):
    source = Image.new("RGB", (400, 300), "white")
    put_image(s3v4, bucket, "white.jpg", source, quality=95)
    # The seed's own example, with standard base64 exactly as written there.
    _, _, image = fetch(images, bucket, "white.jpg", "watermark=2&text=aGVsbG8sIHdvcmxk")
    assert image.size == (400, 300)
    box = changed_box(source, image)
    # Bottom-right by default, 10 px from both edges.
    assert box is not None and 386 <= box[2] <= 390 and 285 <= box[3] <= 290 and box[0] > 150 and box[1] > 220, box
    # Red text, padded standard base64 of '#FF0000'.
    _, _, image = fetch(images, bucket, "white.jpg", "watermark=2&text=aGVsbG8sIHdvcmxk&color=I0ZGMDAwMA==&p=5&size=60|.png")
    rgb = image.convert("RGB")
    reds = sum(1 for x in range(0, 400, 2) for y in range(0, 300, 2) if is_red(rgb.getpixel((x, y))))
    assert reds > 100


def test_image_watermark_object_with_percent(s3v4, bucket, images):
    source = Image.new("RGB", (400, 400), "white")
    put_image(s3v4, bucket, "base.png", source, fmt="PNG")
    put_image(s3v4, bucket, "logo.png", Image.new("RGB", (100, 100), (0, 0, 255)), fmt="PNG")
    _, _, image = fetch(images, bucket, "base.png", f"watermark=1&object={b64('logo.png@25P')}&p=1&x=0&y=0|.png")
    box = changed_box(source, image)
    assert box == (0, 0, 100, 100), box  # 25 % of 400 px, in the top-left corner
    # Half opacity gives a lighter blue.
    _, _, image = fetch(images, bucket, "base.png", f"watermark=1&object={b64('logo.png')}&t=50&p=5|.png")
    r, g, b = image.convert("RGB").getpixel((200, 200))
    assert 100 < r < 160 and b > 240, (r, g, b)
    # A watermark object that does not exist is the caller's error.
    with pytest.raises(Exception) as failure:
        fetch(images, bucket, "base.png", f"watermark=1&object={b64('nothing.png')}")
    assert "InvalidArgument" in str(failure.value)


def test_lower_quality_gives_smaller_files(s3v4, bucket, images):
    noise = Image.effect_noise((300, 300), 60).convert("RGB")
    put_image(s3v4, bucket, "noise.jpg", noise, quality=95)
    _, high, _ = fetch(images, bucket, "noise.jpg", "90Q")
    _, low, image = fetch(images, bucket, "noise.jpg", "20Q")
    assert image.format == "JPEG" and len(low) < len(high) / 2
    _, relative, _ = fetch(images, bucket, "noise.jpg", "50q")
    assert len(low) < len(relative) < len(high)
    _, webp_low, _ = fetch(images, bucket, "noise.jpg", "10Q.webp")
    _, webp_high, _ = fetch(images, bucket, "noise.jpg", "90Q.webp")
    assert len(webp_low) < len(webp_high)


def test_adjustments_change_pixels(s3v4, bucket, images):
    grey = Image.new("RGB", (100, 100), (128, 128, 128))
    put_image(s3v4, bucket, "grey.png", grey, fmt="PNG")
    brighter = fetch(images, bucket, "grey.png", "50b.png")[2].convert("RGB").getpixel((50, 50))
    darker = fetch(images, bucket, "grey.png", "-50b.png")[2].convert("RGB").getpixel((50, 50))
    assert brighter[0] > 200 and darker[0] < 60, (brighter, darker)
    blurred = fetch(images, bucket, "grey.png", "3-2bl_100sh.png")[2]
    assert blurred.size == (100, 100)


def sigv2_url(path, expires_in=300):
    """A presigned SigV2 URL written by hand: the path signed exactly as it goes on the wire."""
    expires = int(time.time()) + expires_in
    to_sign = f"GET\n\n\n{expires}\n{path}".encode()
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), to_sign, hashlib.sha1).digest()).decode()
    query = urllib.parse.urlencode({"AWSAccessKeyId": ACCESS_KEY, "Expires": expires, "Signature": signature})
    return f"{IMAGE_ENDPOINT}{path}?{query}"


def http_get(url, method="GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method)) as answer:
            return answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_at_sign_raw_or_encoded_and_head(s3v4, bucket):
    put_image(s3v4, bucket, "p.jpg", marked_source())
    status_raw, body_raw, _ = http_get(sigv2_url(f"/{bucket}/p.jpg@100w"))
    status_encoded, body_encoded, _ = http_get(sigv2_url(f"/{bucket}/p.jpg%40100w"))
    assert status_raw == 200 and status_encoded == 200
    assert body_raw == body_encoded and Image.open(io.BytesIO(body_raw)).size == (100, 50)
    # HEAD describes what GET sends.
    url = sigv2_url(f"/{bucket}/p.jpg@100w").replace("GET", "HEAD")
    expires = int(time.time()) + 300
    to_sign = f"HEAD\n\n\n{expires}\n/{bucket}/p.jpg@100w".encode()
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), to_sign, hashlib.sha1).digest()).decode()
    query = urllib.parse.urlencode({"AWSAccessKeyId": ACCESS_KEY, "Expires": expires, "Signature": signature})
    status, body, headers = http_get(f"{IMAGE_ENDPOINT}/{bucket}/p.jpg@100w?{query}", method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(body_raw)
    assert headers["ETag"].strip('"') == hashlib.md5(body_raw).hexdigest()
    # Tampering with the process breaks the signature; an expired URL is refused.
    assert http_get(sigv2_url(f"/{bucket}/p.jpg@100w").replace("100w", "200w"))[0] == 403
    assert http_get(sigv2_url(f"/{bucket}/p.jpg@100w", expires_in=-10))[0] == 403
    # Unsigned requests for a private object are refused.
    assert http_get(f"{IMAGE_ENDPOINT}/{bucket}/p.jpg@100w")[0] == 403


@pytest.mark.parametrize(
    "process,fragment",
    [
        ("30x", "30x"),
        ("5000w", "5000w"),
        ("watermark=2", "text"),
        ("watermark=2&text=!!!", "base64"),
        ("1r|2r|3r|4r|5r", "at most 4"),
        ("100w.tiff", ".tiff"),
        (f"watermark=2&text={b64('x')}&type={b64('Comic Sans')}", "font"),
    ],
)
def test_bad_process_strings_are_400_invalid_argument(s3v4, bucket, process, fragment):
    put_image(s3v4, bucket, "p.jpg", marked_source())
    status, body, _ = http_get(sigv2_url(f"/{bucket}/p.jpg@{urllib.parse.quote(process, safe='=&|')}"))
    assert status == 400, body
    assert b"<Code>InvalidArgument</Code>" in body and fragment.encode() in body, body


def test_sources_that_are_not_images_or_too_large(s3v4, bucket):
    s3v4.put_object(Bucket=bucket, Key="notes.txt", Body=b"plain text, not pixels")
    s3v4.put_object(Bucket=bucket, Key="broken.jpg", Body=b"\xff\xd8\xff\xe0" + b"\x00" * 500)
    huge = io.BytesIO()
    Image.new("L", (9000, 9000), 0).save(huge, "PNG")  # 81 Mpx of black compresses to ~80 KB
    s3v4.put_object(Bucket=bucket, Key="huge.png", Body=huge.getvalue())
    for key, fragment in [("notes.txt", b"not a JPEG"), ("broken.jpg", b"could not"), ("huge.png", b"9000x9000")]:
        status, body, _ = http_get(sigv2_url(f"/{bucket}/{key}@30r"))
        assert status == 400 and b"<Code>InvalidArgument</Code>" in body and fragment in body, (key, body)
    # The sources are untouched.
    assert s3v4.get_object(Bucket=bucket, Key="notes.txt")["Body"].read() == b"plain text, not pixels"
    status, body, _ = http_get(sigv2_url(f"/{bucket}/missing.jpg@30r"))
    assert status == 404 and b"NoSuchKey" in body


def test_anonymous_reads_need_every_object_public(s3v4, bucket):
    base = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(base, "PNG")
    s3v4.put_object(Bucket=bucket, Key="public.png", Body=base.getvalue(), ACL="public-read")
    logo = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 0, 255)).save(logo, "PNG")
    s3v4.put_object(Bucket=bucket, Key="private-logo.png", Body=logo.getvalue())
    s3v4.put_object(Bucket=bucket, Key="public-logo.png", Body=logo.getvalue(), ACL="public-read")
    status, body, _ = http_get(f"{IMAGE_ENDPOINT}/{bucket}/public.png@100w")
    assert status == 200 and Image.open(io.BytesIO(body)).size == (100, 100)
    # A private object cannot be pulled into a public image as a watermark.
    status, body, _ = http_get(f"{IMAGE_ENDPOINT}/{bucket}/public.png@watermark=1&object={b64('private-logo.png')}")
    assert status == 403 and b"AccessDenied" in body
    status, _, _ = http_get(f"{IMAGE_ENDPOINT}/{bucket}/public.png@watermark=1&object={b64('public-logo.png')}")
    assert status == 200


def test_conditional_requests_on_processed_images(s3v4, bucket):
    put_image(s3v4, bucket, "c.jpg", marked_source())
    status, body, headers = http_get(sigv2_url(f"/{bucket}/c.jpg@100w"))
    assert status == 200
    etag = headers["ETag"]
    expires = int(time.time()) + 300
    path = f"/{bucket}/c.jpg@100w"
    signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), f"GET\n\n\n{expires}\n{path}".encode(), hashlib.sha1).digest()).decode()
    query = urllib.parse.urlencode({"AWSAccessKeyId": ACCESS_KEY, "Expires": expires, "Signature": signature})
    request = urllib.request.Request(f"{IMAGE_ENDPOINT}{path}?{query}", headers={"If-None-Match": etag})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("a matching If-None-Match was answered in full")
    except urllib.error.HTTPError as error:
        assert error.code == 304


def detailed_photo():
    """2000x1500 with detail at every scale: a Mandelbrot set, a gradient and blurred noise as the
    three channels, so a wrong resampling or a shifted grid shows in the PSNR."""
    from PIL import ImageFilter

    size = (2000, 1500)
    fractal = Image.effect_mandelbrot(size, (-2.2, -1.2, 1.0, 1.2), 200)
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 60).filter(ImageFilter.GaussianBlur(3))
    return Image.merge("RGB", (fractal, gradient, noise))


def psnr(a, b):
    import math
    from PIL import ImageStat

    assert a.size == b.size, (a.size, b.size)
    squares = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")).point(lambda v: v * v)).mean
    mse = sum(squares) / len(squares)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


# The floors sit 1-3 dB under what libvips gives and above what a nearest-neighbour resize or a
# crop one pixel off gives (43.4, 43.1, 36.7 and 37.5 dB), so a cheaper resampling or a shifted
# grid fails; the issue asks for 35 dB at least.
@pytest.mark.parametrize(
    "process, size, floor",
    [
        ("800w_600h", (800, 600), 47),
        ("1000w", (1000, 750), 45),
        ("250w", (250, 188), 37),
        ("100w_100h_1e_1c", (100, 100), 45),
        ("50p", (1000, 750), 45),
    ],
)
def test_downscales_match_an_independent_lanczos_resize(s3v4, bucket, images, process, size, floor):
    """JPEG sources are decoded already shrunk when the first step shrinks by 2 or more; the
    result must still be what Pillow's Lanczos resize of the full decode gives (PNG output, so
    no encoder noise)."""
    put_image(s3v4, bucket, "photo.jpg", detailed_photo(), quality=90)
    source = Image.open(io.BytesIO(s3v4.get_object(Bucket=bucket, Key="photo.jpg")["Body"].read())).convert("RGB")
    _, _, rendered = fetch(images, bucket, "photo.jpg", process + ".png")
    assert rendered.size == size
    if process.endswith("_1c"):
        # The short edge to 100, then the middle 100x100.
        scaled = source.resize((133, 100), Image.LANCZOS)
        reference = scaled.crop((16, 0, 116, 100))
    else:
        reference = source.resize(size, Image.LANCZOS)
    assert psnr(reference, rendered) >= floor


def test_exif_orientation_is_honoured_on_shrunk_decodes(s3v4, bucket, images):
    """A 2000x1000 JPEG stored with EXIF orientation 6 (shown turned a quarter clockwise), its
    red block top-left as stored: `2o` turns it upright before the resize plans the box."""
    stored = Image.new("RGB", (2000, 1000), "white")
    stored.paste((255, 0, 0), (0, 0, 200, 100))
    exif = stored.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    s3v4.put_object(Bucket=bucket, Key="turned.jpg", Body=buffer.getvalue())

    _, _, upright = fetch(images, bucket, "turned.jpg", "250w_2o.png")
    assert upright.size == (250, 500)
    # Orientation 6 puts the stored top-left corner at the top right.
    assert is_red(upright.getpixel((245, 5))) and not is_red(upright.getpixel((5, 5)))
    _, _, as_stored = fetch(images, bucket, "turned.jpg", "250w.png")
    assert as_stored.size == (250, 125)
    assert is_red(as_stored.getpixel((5, 5)))
