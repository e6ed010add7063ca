"""Every command speaks JSON and documents itself in paragraphs the terminal can wrap."""
import json
import os
import re
import subprocess

from conftest import CLI, clean_env


def run_help(tmp_path, *words, columns=300):
    env = clean_env(tmp_path / "home")
    env["COLUMNS"] = str(columns)
    result = subprocess.run([CLI, *words, "--help"], capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def subcommands(help_text):
    names, inside = [], False
    for line in help_text.splitlines():
        if line.startswith("SUBCOMMANDS:"):
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            match = re.match(r"^  (\S+)", line)
            if match and match.group(1) != "help":
                names.append(match.group(1))
    return names


def every_command(tmp_path):
    """Leaf commands as word lists, found by walking the help tree (not a list kept by hand)."""
    found, pending = [], [[]]
    while pending:
        words = pending.pop()
        children = subcommands(run_help(tmp_path, *words))
        if children:
            pending.extend(words + [child] for child in children)
        elif words:
            found.append(words)
    return found


def test_the_help_tree_is_walked(tmp_path):
    commands = every_command(tmp_path)
    flat = {" ".join(words) for words in commands}
    # A walk that found nothing would make the tests below pass vacuously.
    assert {"ls", "cp", "du", "config set", "version enable", "server"} <= flat, flat


def test_every_command_takes_json(tmp_path):
    missing = [" ".join(words) for words in every_command(tmp_path) if "--json" not in run_help(tmp_path, *words)]
    assert missing == [], f"commands without --json: {missing}"


def test_help_paragraphs_are_not_broken_mid_sentence(tmp_path):
    """At 5,000 columns nothing should wrap, so a line that the next one continues in lower case is a hard
    break inside a sentence, which looks broken at every other width."""
    broken = []
    for words in [[]] + every_command(tmp_path):
        text = run_help(tmp_path, *words, columns=5000).split("USAGE:")[0]
        lines = text.splitlines()
        for line, following in zip(lines, lines[1:]):
            if line.strip() and re.match(r"^\s*[a-z(]", following) and not following.lstrip().startswith(("mss ", "mss://")):
                broken.append(f"mss {' '.join(words)}: {line.strip()[-40:]!r} / {following.strip()[:40]!r}")
    assert broken == [], "\n".join(broken)


def test_help_wraps_to_a_narrow_terminal(tmp_path):
    text = run_help(tmp_path, columns=60)
    too_long = [line for line in text.splitlines() if len(line) > 60 and " " in line.strip()]
    assert too_long == [], too_long


def test_errors_are_json_when_json_was_asked(tmp_path):
    env = clean_env(tmp_path / "home")
    result = subprocess.run([CLI, "config", "use", "no-such-profile", "--json"], capture_output=True, env=env, timeout=60)
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(lines) == 1 and "no-such-profile" in lines[0]["error"], lines
    assert "no-such-profile" in result.stderr.decode()

    result = subprocess.run([CLI, "config", "set", "endpoint", "http://127.0.0.1:1", "--profile", "p1", "--json"],
                            capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == {"profile": "p1", "setting": "endpoint", "value": "http://127.0.0.1:1"}
    result = subprocess.run([CLI, "config", "set", "secret-key", "s3cr3t-value", "--profile", "p1", "--json"],
                            capture_output=True, env=env, timeout=60)
    assert b"s3cr3t-value" not in result.stdout and json.loads(result.stdout)["value"] == "********"


def test_server_status_as_json(tmp_path):
    env = clean_env(tmp_path / "home")
    result = subprocess.run([CLI, "server", "--status", "--json"], capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == {"running": False}


def test_sizes_are_human_unless_bytes_is_asked(cli, cli_bucket, tmp_path):
    source = tmp_path / "three-thousand"
    source.write_bytes(b"z" * 3000)
    cli("cp", str(source), f"mss://{cli_bucket}/dir/obj")
    human = cli("ls", "-l", f"mss://{cli_bucket}/dir/").stdout.decode()
    assert re.search(r"\s2\.9 KiB\s+dir/obj$", human.strip()), human
    raw = cli("ls", "--bytes", f"mss://{cli_bucket}/dir/").stdout.decode()
    assert re.search(r"\s3000\s+dir/obj$", raw.strip()), raw
    assert "2.9 KiB" in cli("du", f"mss://{cli_bucket}").stdout.decode()
    du_raw = cli("du", "--bytes", f"mss://{cli_bucket}").stdout.decode()
    assert re.match(r"^\s*3000\s+1 object\s", du_raw), du_raw
    # Scripts get exact numbers either way.
    assert [entry["size"] for entry in cli.json("ls", f"mss://{cli_bucket}/dir/")] == [3000]


def test_transfer_numbers_out_of_range_are_usage_errors(tmp_path):
    env = clean_env(tmp_path / "home")
    source = tmp_path / "f"
    source.write_bytes(b"x")
    for flag, value in [("--part-size", "4"), ("--part-size", "5121"), ("--part-size", "9223372036854775807"),
                        ("--part-size", "99999999999999999999"), ("--concurrency", "0"), ("--concurrency", "-3")]:
        result = subprocess.run([CLI, "cp", str(source), "mss://bucket-x/k", flag, value, "--endpoint", "http://127.0.0.1:9"],
                                capture_output=True, env=env, timeout=60)
        assert result.returncode == 2, (flag, value, result.returncode, result.stderr.decode())
        assert b"Fatal error" not in result.stderr and flag.encode() in result.stderr, result.stderr.decode()
