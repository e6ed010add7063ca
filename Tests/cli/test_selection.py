"""--include/--exclude on cp, mv, rm, sync, ls and du, and wildcard sources, through the `mss`
executable against mss-server and Ceph RGW: what was selected is checked by what is left."""
import json


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def keys(cli, url):
    return sorted(e["key"] for e in cli.json("ls", "-r", url) if e["type"] == "object")


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


TREE = {"a.jpg": b"a" * 10, "b.txt": b"b" * 20, "sub/c.jpg": b"c" * 30, "sub/d.txt": b"d" * 40, "sub/deep/e.JPG": b"e" * 50}


def make_tree(root):
    for relative, data in TREE.items():
        write(root / relative, data)
    return root


def test_include_exclude_order_on_upload(cli, cli_bucket, tmp_path):
    tree = make_tree(tmp_path / "tree")
    b = f"mss://{cli_bucket}"
    # The later filter wins: exclude everything, then take .jpg back (case matters, as in aws).
    cli("cp", "-r", str(tree), f"{b}/one", "--exclude", "*", "--include", "*.jpg")
    assert keys(cli, f"{b}/one/") == ["one/a.jpg", "one/sub/c.jpg"]
    # The reverse order takes nothing, and that is not an error.
    nothing = cli("cp", "-r", str(tree), f"{b}/two", "--include", "*.jpg", "--exclude", "*")
    assert nothing.returncode == 0 and keys(cli, f"{b}/two/") == []
    # `*` crosses `/`, so sub/* reaches sub/deep too; --flag=value works as well.
    cli("cp", "-r", str(tree), f"{b}/three", "--exclude=sub/*")
    assert keys(cli, f"{b}/three/") == ["three/a.jpg", "three/b.txt"]
    cli("cp", "-r", str(tree), f"{b}/four", "--exclude", "*", "--include", "*.jpg", "--exclude", "sub/*", "--include", "*.JPG")
    assert keys(cli, f"{b}/four/") == ["four/a.jpg", "four/sub/deep/e.JPG"]
    # ? and sets, matched against the path below the source directory.
    cli("cp", "-r", str(tree), f"{b}/five", "--exclude", "*", "--include", "sub/[cd].???")
    assert keys(cli, f"{b}/five/") == ["five/sub/c.jpg", "five/sub/d.txt"]
    # A single file the filters leave out is not copied.
    cli("cp", str(tree / "b.txt"), f"{b}/six/", "--exclude", "*.txt")
    assert keys(cli, f"{b}/six/") == []
    # A pattern past the length limit is a usage error, before anything is done.
    long = cli("cp", "-r", str(tree), f"{b}/seven", "--exclude", "*" * 5000, check=False)
    assert long.returncode == 2 and b"longer than" in long.stderr


def test_filters_on_download_ls_du_rm_and_mv(cli, cli_bucket, tmp_path):
    tree = make_tree(tmp_path / "tree")
    b = f"mss://{cli_bucket}"
    cli("cp", "-r", str(tree), f"{b}/t")

    listed = cli.json("ls", "-r", f"{b}/t/", "--exclude", "*", "--include", "*.txt")
    assert [e["key"] for e in listed] == ["t/b.txt", "t/sub/d.txt"]
    # One level deep, prefixes are filtered by their path with its trailing /.
    top = cli.json("ls", f"{b}/t/", "--exclude", "sub/")
    assert [e["key"] for e in top] == ["t/a.jpg", "t/b.txt"]
    [usage] = cli.json("du", f"{b}/t", "--exclude", "*.txt")
    assert usage["objects"] == 3 and usage["bytes"] == 10 + 30 + 50

    out = tmp_path / "out"
    cli("cp", "-r", f"{b}/t", str(out), "--exclude", "sub/deep/*", "--exclude", "*.txt")
    assert files(out) == ["a.jpg", "sub/c.jpg"]

    removed = cli.json("rm", "-r", f"{b}/t", "--exclude", "*", "--include", "sub/*.txt", "--include", "a.*")
    assert sorted(e["key"] for e in removed) == ["t/a.jpg", "t/sub/d.txt"]
    assert keys(cli, f"{b}/t/") == ["t/b.txt", "t/sub/c.jpg", "t/sub/deep/e.JPG"]

    # mv moves what is selected and leaves the rest where it was.
    cli("mv", "-r", f"{b}/t", f"{b}/moved", "--exclude", "*.jpg")
    assert keys(cli, f"{b}/moved/") == ["moved/b.txt", "moved/sub/deep/e.JPG"]
    assert keys(cli, f"{b}/t/") == ["t/sub/c.jpg"]
    moved_files = make_tree(tmp_path / "local-mv")
    cli("mv", "-r", str(moved_files), f"{b}/up", "--exclude", "*", "--include", "*.txt")
    assert keys(cli, f"{b}/up/") == ["up/b.txt", "up/sub/d.txt"]
    assert files(moved_files) == ["a.jpg", "sub/c.jpg", "sub/deep/e.JPG"]


def test_sync_filters_both_ways(cli, cli_bucket, tmp_path):
    tree = make_tree(tmp_path / "tree")
    b = f"mss://{cli_bucket}"
    cli("sync", str(tree), f"{b}/s", "--exclude", "*.txt")
    assert keys(cli, f"{b}/s/") == ["s/a.jpg", "s/sub/c.jpg", "s/sub/deep/e.JPG"]
    write(tmp_path / "extra.txt", b"x")
    cli("cp", str(tmp_path / "extra.txt"), f"{b}/s/extra.txt")
    cli("cp", str(tmp_path / "extra.txt"), f"{b}/s/extra.jpg")
    # Excluded items are neither copied nor deleted, on either side.
    down = tmp_path / "down"
    write(down / "keep.txt", b"mine")
    write(down / "gone.jpg", b"old")
    cli("sync", f"{b}/s", str(down), "--delete", "--exclude", "*.txt", "--exclude", "sub/*")
    assert files(down) == ["a.jpg", "extra.jpg", "keep.txt"]
    cli("sync", str(tree), f"{b}/s", "--delete", "--exclude", "*", "--include", "*.jpg")
    assert keys(cli, f"{b}/s/") == ["s/a.jpg", "s/extra.txt", "s/sub/c.jpg", "s/sub/deep/e.JPG"]


def test_wildcard_sources(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    data = write(tmp_path / "data.bin", b"0123456789")
    for key in ["photos/a.jpg", "photos/b.png", "photos/2020/c.jpg", "photos/2020/raw/d.jpg", "photosx/e.jpg", "other/f.jpg"]:
        cli("cp", str(data), f"{b}/{key}")

    # `*` stays within one level; the listing starts at the literal part, so photosx/ is not taken.
    out = tmp_path / "out"
    down = cli.json("cp", f"{b}/photos/*.jpg", str(out) + "/")
    assert [e["source"] for e in down] == [f"{b}/photos/a.jpg"]
    assert files(out) == ["a.jpg"]
    # `**` crosses levels, and paths below the literal directory are kept.
    out2 = tmp_path / "out2"
    cli("cp", f"{b}/photos/**.jpg", str(out2))
    assert files(out2) == ["2020/c.jpg", "2020/raw/d.jpg", "a.jpg"]
    assert (out2 / "2020/raw/d.jpg").read_bytes() == b"0123456789"
    # Remote to remote, with a wildcard in a directory name and filters on top.
    cli("cp", f"{b}/photo*/**", f"{b}/copy/", "--exclude", "*.png", "--exclude", "*/raw/*")
    assert keys(cli, f"{b}/copy/") == ["copy/photos/2020/c.jpg", "copy/photos/a.jpg", "copy/photosx/e.jpg"]
    assert [e["key"] for e in cli.json("ls", f"{b}/photos/*.j?g")] == ["photos/a.jpg"]
    [usage] = cli.json("du", f"{b}/photos/**.jpg")
    assert usage["objects"] == 3

    # rm with a wildcard removes exactly what matched.
    removed = cli.json("rm", f"{b}/photos/[a-b].*")
    assert sorted(e["key"] for e in removed) == ["photos/a.jpg", "photos/b.png"]
    assert keys(cli, f"{b}/photos") == ["photos/2020/c.jpg", "photos/2020/raw/d.jpg", "photosx/e.jpg"]

    # Nothing matching is an error in plain words, as copying a missing file is; nothing is written.
    for args in (["cp", f"{b}/photos/*.gif", str(tmp_path / "none") + "/"], ["rm", f"{b}/photos/*.gif"], ["mv", f"{b}/nope/*", f"{b}/x/"]):
        missing = cli(*args, check=False)
        assert missing.returncode == 1 and b"nothing matches" in missing.stderr, args
    assert not (tmp_path / "none").exists()

    # Local wildcards the shell left quoted: files of one level, and with ** every level.
    local = make_tree(tmp_path / "local")
    up = cli.json("cp", str(local / "*.txt"), f"{b}/up/")
    assert [e["destination"] for e in up] == [f"{b}/up/b.txt"]
    cli("cp", str(local / "**.jpg"), f"{b}/up2/")
    assert keys(cli, f"{b}/up2/") == ["up2/a.jpg", "up2/sub/c.jpg"]
    nothing = cli("cp", str(local / "*.gif"), f"{b}/up3/", check=False)
    assert nothing.returncode == 1 and b"nothing matches" in nothing.stderr

    # --raw takes * literally: only the key named a*b goes.
    cli("cp", str(data), f"{b}/lit/a*b")
    cli("cp", str(data), f"{b}/lit/axb")
    cli("rm", "--raw", f"{b}/lit/a*b")
    assert keys(cli, f"{b}/lit/") == ["lit/axb"]
    # A pattern that matches nothing is the key as written when there is one, as in a shell.
    cli("cp", str(data), f"{b}/br/[x].txt")
    assert cli("cat", f"{b}/br/[x].txt").stdout == b"0123456789"
    cli("cp", f"{b}/br/[x].txt", str(tmp_path / "br.txt"))
    assert (tmp_path / "br.txt").read_bytes() == b"0123456789"
    cli("rm", f"{b}/br/[x].txt")
    assert keys(cli, f"{b}/br/") == []
    # Standard output takes one object, so a wildcard there is a usage error.
    assert cli("cp", f"{b}/photos/*", "-", check=False).returncode == 2
    # --version-id names one object: no wildcards with it.
    assert cli("rm", f"{b}/photos/*", "--all-versions", check=False).returncode == 2


def test_json_output_of_filtered_commands_is_one_object_per_line(cli, cli_bucket, tmp_path):
    tree = make_tree(tmp_path / "tree")
    b = f"mss://{cli_bucket}"
    result = cli("cp", "-r", str(tree), f"{b}/j", "--exclude", "*", "--include", "*.txt", "--json")
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert sorted(e["destination"] for e in lines) == [f"{b}/j/b.txt", f"{b}/j/sub/d.txt"]
    assert all(e["action"] == "upload" for e in lines)


def test_versions_listing_and_wildcard_mv_keep_to_the_selection(cli, cli_bucket, tmp_path):
    b = f"mss://{cli_bucket}"
    cli("version", "enable", b)
    data = write(tmp_path / "v.bin", b"one")
    for key in ["v/a.jpg", "v/a.jpg", "v/b.txt"]:
        cli("cp", str(data), f"{b}/{key}")
    versions = cli.json("ls", "--versions", "-r", f"{b}/v/", "--exclude", "*.txt")
    assert [e["key"] for e in versions] == ["v/a.jpg", "v/a.jpg"] and sum(e["latest"] for e in versions) == 1
    assert [e["key"] for e in cli.json("ls", "--versions", f"{b}/v/*.txt")] == ["v/b.txt"]

    # mv of a local wildcard removes exactly the files it uploaded.
    local = make_tree(tmp_path / "local")
    cli("mv", str(local / "sub" / "*.jpg"), f"{b}/mv/")
    assert keys(cli, f"{b}/mv/") == ["mv/c.jpg"]
    assert files(local) == ["a.jpg", "b.txt", "sub/d.txt", "sub/deep/e.JPG"]
