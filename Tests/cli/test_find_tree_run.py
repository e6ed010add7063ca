"""`mss find`, `mss tree` and `mss run` through the executable, against mss-server and Ceph RGW:
each find test at its boundaries, --exec, the exact tree drawing, and batches with failing and
malformed lines."""
import json
import os
import subprocess
import uuid


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def lines(result):
    return result.stdout.decode().splitlines()


def test_find_filters(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    for size in (1023, 1024, 1025):
        cli("cp", str(write(tmp_path / f"{size}.bin", os.urandom(size))), f"{b}/sizes/{size}.bin")
    cli("cp", str(write(tmp_path / "a.jpg", b"jpg")), f"{b}/photos/2020/a.jpg")
    cli("cp", str(write(tmp_path / "b.txt", b"text")), f"{b}/photos/b.txt")

    def found(*args):
        return sorted(lines(cli("find", *args)))

    # Sizes are strict, at the byte: 1k is 1024.
    assert found(f"{b}/sizes", "--larger", "1k") == [f"{b}/sizes/1025.bin"]
    assert found(f"{b}/sizes", "--larger", "1023") == [f"{b}/sizes/1024.bin", f"{b}/sizes/1025.bin"]
    assert found(f"{b}/sizes", "--smaller", "1KiB") == [f"{b}/sizes/1023.bin"]
    assert found(f"{b}/sizes", "--larger", "1023", "--smaller", "1025") == [f"{b}/sizes/1024.bin"]
    # --name is the base name, --path the whole key (where * crosses /).
    assert found(b, "--name", "*.jpg") == [f"{b}/photos/2020/a.jpg"]
    assert found(b, "--name", "[ab].*") == [f"{b}/photos/2020/a.jpg", f"{b}/photos/b.txt"]
    assert found(b, "--path", "photos/*") == [f"{b}/photos/2020/a.jpg", f"{b}/photos/b.txt"]
    assert found(b, "--path", "*/1?2?.bin") == [f"{b}/sizes/1023.bin", f"{b}/sizes/1024.bin", f"{b}/sizes/1025.bin"]
    # Everything was just written: all newer than an hour, none older than a day. No match is still success.
    assert len(found(b, "--newer-than", "1h")) == 5
    none = cli("find", b, "--older-than", "1d")
    assert none.returncode == 0 and none.stdout == b""
    assert found(b, "--older-than", "1d", "--newer-than", "2w") == []
    assert found(b, "--newer-than", "1d", "--smaller", "1k", "--exclude", "sizes/*") == [f"{b}/photos/2020/a.jpg", f"{b}/photos/b.txt"]
    # A wildcard path, --count and --json.
    assert lines(cli("find", f"{b}/sizes/*.bin", "--larger", "1000", "--count")) == ["3"]
    [record] = cli.json("find", b, "--name", "b.txt")
    assert record["url"] == f"{b}/photos/b.txt" and record["key"] == "photos/b.txt" and record["size"] == 4
    assert cli.json("find", b, "--count", "--name", "*.bin") == [{"count": 3}]

    for args in (["--larger", "1.5M"], ["--smaller=-1"], ["--larger", "99999999999999999999"], ["--newer-than", "7x"],
                 ["--older-than", "1d2"], ["--name", "*" * 5000]):
        bad = cli("find", b, *args, check=False)
        assert bad.returncode == 2 and bad.stderr.startswith(b"mss: error: "), args
    missing = cli("find", f"mss://no-such-bucket-{uuid.uuid4().hex[:12]}", check=False)
    assert missing.returncode == 1 and b"does not exist" in missing.stderr


def test_find_exec(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    for name in ("x.txt", "y.txt", "z.bin"):
        cli("cp", str(write(tmp_path / name, name.encode())), f"{b}/e/{name}")
    ran = cli("find", b, "--name", "*.txt", "--exec", "echo 'found: {}' {}.done")
    assert sorted(lines(ran)) == [f"found: {b}/e/x.txt {b}/e/x.txt.done", f"found: {b}/e/y.txt {b}/e/y.txt.done"]
    # Without {} the path goes last; no shell, so $HOME stays as written.
    assert lines(cli("find", b, "--name", "z.*", "--exec", "echo $HOME")) == [f"$HOME {b}/e/z.bin"]
    # The command can be mss itself: cat each match.
    assert cli("find", b, "--name", "y.txt", "--exec", f"{os.environ['MSS_CLI']} cat {{}}").stdout == b"y.txt"
    # Programs get default signal handling, not mss's ignored SIGPIPE: yes ends quietly when head is done.
    piped = cli("find", b, "--name", "x.txt", "--exec", "sh -c 'yes | head -1'")
    assert piped.stdout == b"y\n" and b"Broken pipe" not in piped.stderr
    failing = cli("find", b, "--exec", "sh -c 'exit 3'", check=False)
    assert failing.returncode == 1 and b"--exec failed for 3 of 3" in failing.stderr
    assert cli("find", b, "--exec", "no-such-program-here {}", check=False).returncode == 2
    assert cli("find", b, "--exec", "echo 'unclosed", check=False).returncode == 2


def test_tree_drawing(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    data = write(tmp_path / "data", b"x" * 1000)
    for key in ["t/b.txt", "t/a/x.jpg", "t/a/y/z.jpg", "t/c/d/e.txt", "other.txt"]:
        cli("cp", str(data), f"{b}/{key}")
    assert cli("tree", f"{b}/t").stdout.decode() == (
        f"{b}/t/\n"
        "├── a/\n"
        "│   ├── x.jpg\n"
        "│   └── y/\n"
        "│       └── z.jpg\n"
        "├── b.txt\n"
        "└── c/\n"
        "    └── d/\n"
        "        └── e.txt\n"
        "\n"
        "4 directories, 4 files\n"
    )
    assert cli("tree", "-d", f"{b}/t/").stdout.decode() == f"{b}/t/\n├── a/\n│   └── y/\n└── c/\n    └── d/\n\n4 directories\n"
    assert cli("tree", "-L", "1", "--size", f"{b}/t").stdout.decode() == (
        f"[  3.9 KiB]  {b}/t/\n├── [  2.0 KiB]  a/\n├── [   1000 B]  b.txt\n└── [   1000 B]  c/\n\n2 directories, 1 file\n"
    )
    entries = cli.json("tree", b)
    assert entries[0] == {"type": "root", "path": f"{b}/", "size": 5000}
    assert {"type": "file", "path": "t/a/y/z.jpg", "key": "t/a/y/z.jpg", "name": "z.jpg", "depth": 4, "size": 1000} in entries
    assert entries[-1] == {"type": "summary", "directories": 5, "files": 5}
    assert cli("tree", "-L", "0", b, check=False).returncode == 2
    empty = cli("tree", f"{b}/nothing-here")
    assert empty.stdout.decode() == f"{b}/nothing-here/\n\n0 directories, 0 files\n"


def test_run_batches(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    source = write(tmp_path / "my file.txt", b"hello")
    batch = tmp_path / "batch.txt"
    batch.write_text(
        "# upload, then look\n"
        f"cp '{source}' {b}/one.txt\n"
        "\n"
        f"cp \"{source}\" {b}/two\\ words.txt   # quoted and escaped\n"
        f"cat {b}/missing.txt\n"
        f"mb {b}\n"
        f"stat {b}/one.txt\n"
    )
    result = cli("run", str(batch), "--concurrency", "2", check=False)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    # Lines 5 (missing object) and 6 (bucket exists) fail; the summary names them.
    assert "3 ok, 2 failed (lines 5, 6)" in stderr
    assert f"{b}/missing.txt does not exist" in stderr
    assert sorted(e["key"] for e in cli.json("ls", b)) == ["one.txt", "two words.txt"]
    out = result.stdout.decode()
    assert "uploaded" in out and "one.txt" in out

    # --json reaches every line, and the summary is one more object.
    ok = cli("run", "--json", "-", input=f"ls {b}\ndu {b}\n".encode())
    records = [json.loads(line) for line in lines(ok)]
    assert records[-1] == {"type": "summary", "ok": 2, "failed": 0, "failedLines": []}
    assert {"path": f"{b}/", "bytes": 10, "objects": 2} in records
    assert sorted(r["key"] for r in records if r.get("type") == "object") == ["one.txt", "two words.txt"]

    # A pipe as FILE (bash's <(...)) is read once, kept aside, and run like a file.
    piped = subprocess.run(
        ["bash", "-c", '"$0" run <(printf "ls %s\\n" "$1")', os.environ["MSS_CLI"], b], env=cli.env, capture_output=True, timeout=120)
    assert piped.returncode == 0 and b"one.txt" in piped.stdout, piped.stderr

    # From standard input, many lines at once, each line's output kept together.
    many = "".join(f"cp '{source}' {b}/many/{i:02d}.txt\n" for i in range(16))
    cli("run", "-", "--concurrency", "6", input=many.encode())
    assert len(cli.json("ls", f"{b}/many/")) == 16


def test_run_refuses_bad_files_before_running_anything(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    fresh = f"mss://cli-{uuid.uuid4().hex[:16]}"
    for text, words in [
        (f"mb {fresh}\nls 'mss://unclosed\n", b"line 2: the ' at column 4 is never closed"),
        (f"mb {fresh}\nls --frobnicate {b}\n", b"line 2: Unknown option '--frobnicate'"),
        (f"mb {fresh}\nfrobnicate\n", b"line 2:"),
        (f"mb {fresh}\nmss ls\n", b"leave out the leading `mss`"),
        (f"mb {fresh}\nrun -\n", b"run does not run itself"),
    ]:
        result = cli("run", "-", input=text.encode(), check=False)
        assert result.returncode == 2 and words in result.stderr, text
    # Nothing ran: the bucket of line 1 was never made.
    assert cli("ls", fresh, check=False).returncode == 1
    assert cli("run", str(tmp_path / "no-such-file"), check=False).returncode == 1
    assert cli("run", "-", "--concurrency", "0", input=b"", check=False).returncode == 2
    # Connection options given to run reach every line, over a wrong endpoint in the environment.
    env = cli.env
    result = cli(
        "run", "-", "--endpoint", env["MSS_ENDPOINT"], "--access-key", env["MSS_ACCESS_KEY"], "--secret-key", env["MSS_SECRET_KEY"],
        input=f"ls {b}\n".encode(), env={"MSS_ENDPOINT": "http://127.0.0.1:9", "MSS_ACCESS_KEY": "wrong", "MSS_SECRET_KEY": "wrong"})
    assert result.returncode == 0
