"""The web console in a real browser: Debian's headless Chromium driven by Selenium.

Signs in with the server's keys, lists buckets and objects, uploads by a simulated drag and drop
(a DataTransfer holding File objects, dispatched as dragenter/dragover/drop on the drop zone:
the page's real drop handler runs) and through the file input, uploads a 17 MiB file in parts,
downloads, shows metadata, makes a presigned link, deletes, opens the image playground on a
JPEG made with Pillow, types `30r` and checks the rendered image's size against Pillow's own
rotation, and checks the error for an invalid string. Anonymous visitors get the login page and
no data; wrong keys and a POST without the CSRF token are refused.

Screenshots go to $MSS_CONSOLE_SCREENSHOTS when set (README's docs/screenshots/ come from
there), else to pytest's temporary folder. Without chromium and chromedriver the tests skip,
unless MSS_REQUIRE_BROWSER is set (scripts/test.sh sets it), when they fail.
"""
import hashlib
import io
import os
import time

import pytest
import requests
from PIL import Image, ImageDraw

from conftest import ACCESS_KEY, CHROMEDRIVER, CHROMIUM, ENDPOINT, SECRET_KEY, empty_and_delete, new_bucket_name, require_browser

CONSOLE = ENDPOINT + "/_console/"
IMAGE_ENDPOINT = os.environ.get("MSS_SERVER_IMAGE_ENDPOINT", "")

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover - require_browser reports it
    pass


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = os.environ.get("MSS_CONSOLE_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        return folder
    return str(tmp_path_factory.mktemp("console-screenshots"))


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return str(tmp_path_factory.mktemp("console-downloads"))


@pytest.fixture(scope="module")
def browser(downloads):
    require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1360,900", "--lang=en-US", "--force-device-scale-factor=1",
                     "--disable-features=Translate,MediaRouter", "--no-first-run", "--password-store=basic"]:
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": downloads, "download.prompt_for_download": False,
        "credentials_enable_service": False, "profile.password_manager_enabled": False,
    })
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    yield driver
    driver.quit()


def wait(driver, condition, timeout=30, message=""):
    return WebDriverWait(driver, timeout).until(condition, message)


def css(driver, selector):
    return driver.find_element(By.CSS_SELECTOR, selector)


def visible(selector):
    return expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, selector))


def present(selector):
    return expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))


def sign_in(driver, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    driver.delete_all_cookies()
    driver.get(CONSOLE)
    wait(driver, visible("#login-form"))
    css(driver, "#access_key").send_keys(access_key)
    css(driver, "#secret_key").send_keys(secret_key)
    css(driver, "#login-submit").click()


def signed_in(driver):
    sign_in(driver)
    wait(driver, present("body[data-ready='yes']"), message="the console did not load its buckets")


def row(key):
    return f"tr[data-key='{key}']"


def row_button(driver, key, label):
    for button in css(driver, row(key)).find_elements(By.TAG_NAME, "button"):
        if button.text == label:
            return button
    raise AssertionError(f"no {label} button on the row of {key}")


def page_fetch(driver, path, options):
    """What fetch() of `path` from the page answers: [status, text]."""
    return driver.execute_async_script("""
        const [path, options, done] = arguments;
        fetch(path, options).then(async (r) => done([r.status, await r.text()])).catch((e) => done([0, String(e)]));
    """, path, options)


def drop_files(driver, files):
    """Drops File objects made in the page (name, text or a byte count) on the drop zone, with the
    drag events a real drag and drop fires."""
    driver.execute_script("""
        const [files] = arguments;
        const transfer = new DataTransfer();
        for (const file of files) {
            const content = file.size !== undefined ? new Uint8Array(file.size).fill(file.fill) : file.text;
            transfer.items.add(new File([content], file.name, { type: file.type || "" }));
        }
        const zone = document.getElementById("drop-zone");
        for (const type of ["dragenter", "dragover", "drop"]) {
            zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }
    """, files)


def full_page_screenshot(driver, path):
    """The whole page, not just the window: the window is made as tall as the page for it."""
    driver.execute_script("window.scrollTo(0, 0)")
    for _ in range(3):
        page, view = driver.execute_script("return [document.documentElement.scrollHeight, window.innerHeight]")
        if page <= view:
            break
        driver.set_window_size(1360, min(driver.get_window_size()["height"] + page - view, 2400))
    time.sleep(0.3)
    driver.save_screenshot(path)
    driver.set_window_size(1360, 900)


def make_photo(path):
    """A 400x240 JPEG with shapes, so a rotation shows."""
    image = Image.new("RGB", (400, 240), (236, 242, 250))
    draw = ImageDraw.Draw(image)
    for step in range(0, 400, 8):
        draw.line([(step, 0), (step, 240)], fill=(200 + step // 8, 215, 240 - step // 4))
    draw.rectangle([24, 24, 180, 120], fill=(31, 111, 235))
    draw.ellipse([220, 60, 370, 210], fill=(240, 140, 40))
    draw.polygon([(60, 210), (140, 140), (200, 215)], fill=(6, 118, 71))
    image.save(path, "JPEG", quality=90)
    return path


def rotated_size(image, degrees):
    """The size of `image` rotated by `degrees`, by Pillow: rotate(expand=True) of an opaque mask
    the image's size, measured by the box of what it covers. (Pillow's expanded canvas itself
    rounds each side outwards, up to 2 px wider than the rotated picture: 468 x 408 for 400 x 240
    at 30 degrees, whose picture is 466.4 x 407.8.)"""
    mask = Image.new("L", image.size, 255).rotate(degrees, expand=True)
    left, top, right, bottom = mask.getbbox()
    return right - left, bottom - top


@pytest.fixture
def bucket(s3v4):
    name = new_bucket_name("console")
    s3v4.create_bucket(Bucket=name)
    s3v4.put_object(Bucket=name, Key="hello.txt", Body=b"hello from the console test", ContentType="text/plain",
                    Metadata={"origin": "test"})
    s3v4.put_object(Bucket=name, Key="notes/today.txt", Body=b"a key under a prefix")
    yield name
    empty_and_delete(s3v4, name)


# MARK: anonymous visitors, wrong keys, CSRF


def test_an_anonymous_visitor_gets_the_login_page_and_no_data(browser, bucket):
    browser.delete_all_cookies()
    browser.get(CONSOLE)
    wait(browser, visible("#login-form"))
    assert bucket not in browser.page_source and "hello.txt" not in browser.page_source
    assert browser.find_elements(By.ID, "bucket-list") == []
    status, text = page_fetch(browser, "/_console/api/session", {})
    assert status == 401 and bucket not in text
    status, text = page_fetch(browser, "/_console/api/presign", {"method": "POST", "body": '{"method":"GET"}'})
    assert status in (401, 403) and "url" not in text


def test_wrong_keys_are_refused(browser):
    sign_in(browser, ACCESS_KEY, SECRET_KEY + "-wrong")
    error = wait(browser, visible("#login-error"))
    assert "Wrong access key or secret key" in error.text
    assert browser.get_cookies() == []
    browser.get(CONSOLE)
    wait(browser, visible("#login-form"))


def test_a_post_without_the_csrf_token_is_refused(browser):
    signed_in(browser)
    status, text = page_fetch(browser, "/_console/api/presign", {
        "method": "POST", "headers": {"Content-Type": "application/json"}, "body": '{"method":"GET"}'})
    assert status == 403 and "CSRF" in text
    token = browser.execute_script("return document.body.dataset.csrf")
    status, text = page_fetch(browser, "/_console/api/presign", {
        "method": "POST", "headers": {"Content-Type": "application/json", "X-MSS-Console-CSRF": token},
        "body": '{"method":"GET"}'})
    assert status == 200 and '"url"' in text
    # The session cookie is out of the page's reach.
    assert "mss_console" not in browser.execute_script("return document.cookie")


# MARK: the console at work


def test_browse_upload_download_and_the_image_playground(browser, bucket, s3v4, tmp_path, screenshots, downloads):
    signed_in(browser)
    # The bucket list, then the bucket's objects with size and date, and its prefix.
    wait(browser, present(f"#bucket-list button[data-bucket='{bucket}']")).click()
    wait(browser, present(row("hello.txt")))
    hello = css(browser, row("hello.txt"))
    assert "27 B" in hello.text and str(time.gmtime().tm_year) in hello.text
    assert css(browser, "tr[data-prefix='notes/']").text.startswith("notes/")

    # Upload: two files dropped on the drop zone, a JPEG through the file input.
    drop_files(browser, [{"name": "dropped.txt", "text": "dropped by drag and drop", "type": "text/plain"},
                         {"name": "second.txt", "text": "another one"}])
    photo = make_photo(tmp_path / "photo.jpg")
    css(browser, "#file-input").send_keys(str(photo))
    for key in ["dropped.txt", "second.txt", "photo.jpg"]:
        wait(browser, present(f"#uploads li[data-upload='{key}'][data-state='done']"), message=f"{key} was not uploaded")
        wait(browser, present(row(key)), message=f"{key} is not listed")
    assert s3v4.get_object(Bucket=bucket, Key="dropped.txt")["Body"].read() == b"dropped by drag and drop"
    assert s3v4.head_object(Bucket=bucket, Key="dropped.txt")["ContentType"] == "text/plain"
    assert s3v4.get_object(Bucket=bucket, Key="photo.jpg")["Body"].read() == photo.read_bytes()

    # A file past the multipart threshold goes up in 8 MiB parts.
    size = 17 * 1024 * 1024
    drop_files(browser, [{"name": "big.bin", "size": size, "fill": 7}])
    wait(browser, present("#uploads li[data-upload='big.bin'][data-state='done']"), timeout=120, message="big.bin")
    wait(browser, present(row("big.bin")))
    head = s3v4.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == size and head["ETag"].strip('"').endswith("-3"), head["ETag"]
    assert hashlib.md5(s3v4.get_object(Bucket=bucket, Key="big.bin")["Body"].read()).hexdigest() == hashlib.md5(b"\x07" * size).hexdigest()
    assert s3v4.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(os.path.join(screenshots, "console.png"))

    # Metadata view (a HEAD through a presigned URL).
    row_button(browser, "hello.txt", "Info").click()
    metadata = wait(browser, visible("#metadata"))
    assert "content-length" in metadata.text and "27" in metadata.text
    assert "x-amz-meta-origin" in metadata.text and "test" in metadata.text
    css(browser, "#details-close").click()

    # Presigned-link generator, with the expiry chosen.
    row_button(browser, "hello.txt", "Link").click()
    wait(browser, visible("#link-expiry"))
    browser.execute_script("document.getElementById('link-expiry').value = '300'")
    css(browser, "#link-make").click()
    wait(browser, lambda d: css(d, "#link-url").get_attribute("value").startswith(ENDPOINT + "/"))
    link = css(browser, "#link-url").get_attribute("value")
    assert "X-Amz-Expires=300" in link
    assert requests.get(link, timeout=30).content == b"hello from the console test"
    css(browser, "#details-close").click()

    # Download (response-content-disposition=attachment).
    row_button(browser, "hello.txt", "Download").click()
    target = os.path.join(downloads, "hello.txt")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not os.path.exists(target):
        time.sleep(0.2)
    with open(target, "rb") as downloaded:
        assert downloaded.read() == b"hello from the console test"

    # Delete, after the confirmation.
    row_button(browser, "second.txt", "Delete").click()
    wait(browser, expected_conditions.alert_is_present()).accept()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, row("second.txt")))
    with pytest.raises(Exception):
        s3v4.head_object(Bucket=bucket, Key="second.txt")

    if not IMAGE_ENDPOINT:
        pytest.skip("the server runs no image service")
    # The image playground on the JPEG: type 30r, the rendered image appears with the rotated size.
    row_button(browser, "photo.jpg", "Playground").click()
    wait(browser, visible("#view-playground"))
    wait(browser, present("#pg-original[data-state='loaded']"), message="the original did not load")
    box = css(browser, "#pg-process")
    box.clear()
    box.send_keys("30r")
    rendered = wait(browser, present("#pg-rendered[data-state='loaded']"), message="the rendered image did not appear")
    width, height = browser.execute_script("const i = arguments[0]; return [i.naturalWidth, i.naturalHeight]", rendered)
    expected = rotated_size(Image.open(photo), 30)
    assert abs(width - expected[0]) <= 1 and abs(height - expected[1]) <= 1, ((width, height), expected)
    assert css(browser, "#pg-rendered-size").text == f"{width} × {height}"
    url = css(browser, "#pg-url").text
    assert url.startswith(IMAGE_ENDPOINT + f"/{bucket}/photo.jpg%4030r?") and "X-Amz-Signature=" in url
    assert css(browser, "#pg-cli").text.startswith(f"mss image mss://{bucket}/photo.jpg --process 30r -o rendered.jpg")
    assert f'imageKey("photo.jpg", process: "30r")' in css(browser, "#pg-sdk").text
    # The URL shown is the one that renders it.
    fetched = Image.open(io.BytesIO(requests.get(url, timeout=30).content))
    assert fetched.size == (width, height)
    full_page_screenshot(browser, os.path.join(screenshots, "playground.png"))

    # The builder writes the string from its controls.
    browser.execute_script("""
        document.getElementById('pg-width').value = '120';
        document.getElementById('pg-rotate').value = '90';
        document.getElementById('pg-format').value = 'png';
    """)
    css(browser, "#pg-build").click()
    assert css(browser, "#pg-process").get_attribute("value") == "120w_90r.png"
    wait(browser, lambda d: "%40120w_90r.png" in css(d, "#pg-url").text and
         css(d, "#pg-rendered").get_attribute("data-state") == "loaded", message="the built string did not render")

    # An invalid string: the image service's parser's message, and no image.
    box.clear()
    box.send_keys("30x")
    error = wait(browser, visible("#pg-error"))
    wait(browser, lambda d: "unknown token '30x'" in css(d, "#pg-error").text)
    assert "Invalid image process '30x'" in error.text
    assert css(browser, "#pg-rendered").get_attribute("src") in (None, "")
    assert css(browser, "#pg-url").text == ""

    # Signing out ends the session.
    css(browser, "#logout").click()
    wait(browser, visible("#login-form"))
    browser.get(CONSOLE)
    wait(browser, visible("#login-form"))
    assert bucket not in browser.page_source
