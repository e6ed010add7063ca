"""UploadPart under attack, on a server of the test's own: concurrent uploads of the same part
numbers, bodies cut short mid-stream, and an abort landing among them. UploadPart's disk work runs
off the store's actor and shares flushes with other writes (group commit), so these are the races
that work opened: the server must answer each request with S3's codes, stay up, and leave no
bytes of an aborted upload or of a cut body behind."""
import os
import threading
import time
import urllib.parse

from botocore.exceptions import ClientError

import rawhttp
from server_process import ServerProcess


def truncated_part(server, s3, bucket, key, upload, number):
    """An UploadPart through a presigned URL that announces 64 KiB, sends 100 bytes and ends."""
    url = urllib.parse.urlsplit(s3.generate_presigned_url(
        "upload_part", Params={"Bucket": bucket, "Key": key, "UploadId": upload, "PartNumber": number}, ExpiresIn=300))
    head = (f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Length: 65536\r\n\r\n").encode()
    return rawhttp.exchange(head + b"x" * 100, port=server.port, timeout=30, method="PUT", shutdown_write=True)


def leftovers(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def run_parts(server, s3, bucket, key, upload, bodies, truncated, abort_after=None):
    """Sends `bodies` (number -> list of bodies) as concurrent UploadParts, and `truncated` cut
    ones, optionally aborting the upload after `abort_after` seconds. Returns the answers."""
    answers, lock = [], threading.Lock()

    def upload_part(number, body):
        try:
            etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=body)["ETag"]
            outcome = ("ok", number, body, etag)
        except ClientError as error:
            outcome = ("error", number, error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"])
        with lock:
            answers.append(outcome)

    def cut(number):
        response = truncated_part(server, s3, bucket, key, upload, number)
        with lock:
            answers.append(("cut", number, None if response is None else response.status,
                            None if response is None else rawhttp.error_code(response)))

    threads = [threading.Thread(target=upload_part, args=(number, body)) for number, group in bodies.items() for body in group]
    threads += [threading.Thread(target=cut, args=(number,)) for number in truncated]
    for thread in threads:
        thread.start()
    if abort_after is not None:
        time.sleep(abort_after)
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
    for thread in threads:
        thread.join(timeout=120)
    return answers


def check_cut_answers(answers):
    for kind, number, status, code in (a for a in answers if a[0] == "cut"):
        # The body ended early: 400 IncompleteBody, or the connection closed without an answer;
        # after an abort the upload may already be gone (404 NoSuchUpload).
        assert status is None or (status, code) in {(400, "IncompleteBody"), (404, "NoSuchUpload")}, (number, status, code)


def test_same_part_numbers_raced_and_cut_keep_one_upload_of_each(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log").start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="races")
        upload = s3.create_multipart_upload(Bucket="races", Key="joined")["UploadId"]
        # Parts 1 and 2 must be 5 MiB (all but the last); eight uploads of each number race.
        bodies = {1: [bytes([65 + i]) * (5 << 20) for i in range(4)], 2: [b"last part %d" % i for i in range(4)]}
        answers = run_parts(server, s3, "races", "joined", upload, bodies, truncated=[1, 2, 3, 3])
        check_cut_answers(answers)
        done = [a for a in answers if a[0] == "ok"]
        assert len(done) == 8, [a for a in answers if a[0] == "error"]

        # The server kept one upload of each number: the one it lists, whose ETag is one it gave.
        listed = {p["PartNumber"]: p["ETag"] for p in s3.list_parts(Bucket="races", Key="joined", UploadId=upload)["Parts"]}
        assert sorted(listed) == [1, 2], listed  # part 3 was only ever cut short
        for number in (1, 2):
            assert listed[number] in {etag for _, n, _, etag in done if n == number}
        folder = os.path.join(server.data_dir, ".mss", "uploads", upload)
        data_files = [name for name in leftovers(folder) if name.startswith("part-") and not name.endswith(".json")]
        assert len(data_files) == 2, data_files  # replaced uploads' bytes are gone

        s3.complete_multipart_upload(Bucket="races", Key="joined", UploadId=upload, MultipartUpload={
            "Parts": [{"PartNumber": n, "ETag": listed[n]} for n in (1, 2)]})
        body = s3.get_object(Bucket="races", Key="joined")["Body"].read()
        chosen = {etag: data for _, _, data, etag in done}
        assert body == chosen[listed[1]] + chosen[listed[2]]
        assert leftovers(os.path.join(server.data_dir, ".mss", "tmp")) == []
        assert not os.path.exists(folder)
    finally:
        server.stop()


def test_an_abort_among_racing_and_cut_parts_leaves_nothing(tmp_path):
    server = ServerProcess(tmp_path / "data", tmp_path / "server.log").start()
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="aborts")
        for round in range(3):
            upload = s3.create_multipart_upload(Bucket="aborts", Key=f"k{round}")["UploadId"]
            bodies = {number: [os.urandom(256 << 10) for _ in range(3)] for number in (1, 2, 3)}
            answers = run_parts(server, s3, "aborts", f"k{round}", upload, bodies, truncated=[1, 2], abort_after=0.05 * round)
            check_cut_answers(answers)
            for kind, number, code, status in (a for a in answers if a[0] == "error"):
                assert (code, status) == ("NoSuchUpload", 404), (number, code, status)
            # Whatever landed before the abort went with it; whatever came after was refused.
            assert not os.path.exists(os.path.join(server.data_dir, ".mss", "uploads", upload))
            try:
                s3.list_parts(Bucket="aborts", Key=f"k{round}", UploadId=upload)
                raise AssertionError("an aborted upload still lists parts")
            except ClientError as error:
                assert error.response["Error"]["Code"] == "NoSuchUpload"
        # Every temporary body is gone (cut ones included), and the server still serves.
        deadline = time.monotonic() + 10
        while leftovers(os.path.join(server.data_dir, ".mss", "tmp")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert leftovers(os.path.join(server.data_dir, ".mss", "tmp")) == []
        s3.put_object(Bucket="aborts", Key="after", Body=b"still up")
        assert s3.get_object(Bucket="aborts", Key="after")["Body"].read() == b"still up"
        assert server.process.poll() is None
    finally:
        server.stop()
