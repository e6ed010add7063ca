"""`mss presign --post`: the form it prints (JSON fields, a curl line, an HTML page) is posted by
tools that are not this project (requests, curl, Python's HTML parser) to mss-server and Ceph RGW,
with SigV2 and SigV4."""
import html.parser
import os
import subprocess

import requests


def test_json_form_uploads_and_enforces_the_policy(mss, bucket):
    [form] = mss.json("presign", "--post", f"mss://{bucket}/in/${{filename}}", "--expires", "300",
                      "--content-length-range", "1:64", "--field", "Content-Type=text/plain",
                      "--field", "x-amz-meta-by=cli", "--starts-with", "x-amz-meta-note=ok")
    fields = dict(form["fields"], **{"x-amz-meta-note": "ok-anything"})
    answer = requests.post(form["url"], data=fields, files={"file": ("hello.txt", b"form body")}, timeout=30)
    assert answer.status_code == 204, answer.text
    assert mss("cat", f"mss://{bucket}/in/hello.txt").stdout == b"form body"
    [info] = mss.json("stat", f"mss://{bucket}/in/hello.txt")
    assert "text/plain" in str(info)
    too_big = requests.post(form["url"], data=fields, files={"file": ("big.txt", b"x" * 65)}, timeout=30)
    assert too_big.status_code == 400 and "EntityTooLarge" in too_big.text
    wrong_prefix = requests.post(form["url"], data=dict(fields, **{"x-amz-meta-note": "nope"}),
                                 files={"file": ("n.txt", b"n")}, timeout=30)
    assert wrong_prefix.status_code == 403 and "AccessDenied" in wrong_prefix.text
    assert mss("stat", f"mss://{bucket}/in/big.txt", check=False).returncode != 0


def test_curl_line_runs_in_a_shell(mss, bucket, tmp_path):
    # A value with quotes, '@' and '<': curl's -F would read it as a file; --form-string must not.
    tricky = "@it's <tricky> $HOME `x`"
    line = mss("presign", "--post", f"mss://{bucket}/curl.txt", "--curl", "--field", f"x-amz-meta-t={tricky}").stdout.decode()
    assert line.startswith("curl ")
    upload = tmp_path / "upload.txt"
    upload.write_bytes(b"sent by curl")
    env = dict(os.environ, FILE=str(upload))
    result = subprocess.run(["bash", "-c", line.strip() + " -w '%{http_code}' -o /dev/null"], capture_output=True, env=env, timeout=60)
    assert result.stdout.decode().strip() == "204", result.stderr.decode()
    assert mss("cat", f"mss://{bucket}/curl.txt").stdout == b"sent by curl"
    [info] = mss.json("stat", f"mss://{bucket}/curl.txt")
    assert tricky in str(info)


class FormReader(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs["action"]
        elif tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs["value"]


def test_html_form_posts(cli, cli_bucket):
    page = cli("presign", "--post", f"mss://{cli_bucket}/page <&> key", "--html").stdout.decode()
    reader = FormReader()
    reader.feed(page)
    assert reader.fields["key"] == "page <&> key"
    assert 'name="file"' in page
    answer = requests.post(reader.action, data=reader.fields, files={"file": ("f", b"from html")}, timeout=30)
    assert answer.status_code == 204, answer.text
    assert cli("cat", f"mss://{cli_bucket}/page <&> key").stdout == b"from html"


def test_bad_post_options_are_usage_errors(cli, cli_bucket):
    for args in (["--content-length-range", "5:1"], ["--content-length-range", "x"], ["--field", "=v"],
                 ["--field", "policy=x"], ["--html", "--curl"]):
        result = cli("presign", "--post", f"mss://{cli_bucket}/k", *args, check=False)
        assert result.returncode != 0, args
        assert result.stderr
    without_post = cli("presign", f"mss://{cli_bucket}/k", "--field", "a=b", check=False)
    assert without_post.returncode != 0
