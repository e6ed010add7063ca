"""mss-server runs on TCMalloc (Sources/mss-server/Allocator.swift), which took a tenth off the CPU
of each small PUT. A build that lost it (the library dropped by a linker, or glibc's malloc found
first) would answer every other test just as well, only slower: these checks are what notice."""
import os
import re
import subprocess

import pytest

from server_process import BINARY

SERVER_PID = os.environ.get("MSS_SERVER_PID", "")


@pytest.mark.skipif(not SERVER_PID, reason="needs the server's pid (MSS_SERVER_PID)")
def test_the_running_server_has_tcmalloc_loaded():
    with open(f"/proc/{SERVER_PID}/maps") as maps:
        libraries = {line.split()[-1] for line in maps if ".so" in line}
    assert any("libtcmalloc_minimal.so" in path for path in libraries), sorted(libraries)


def test_every_malloc_and_free_of_the_server_binds_to_tcmalloc():
    assert BINARY, "MSS_SERVER_BINARY is not set: scripts/test.sh exports it"
    # The dynamic linker reports where each library's references resolved, glibc's own included.
    run = subprocess.run([BINARY, "--version"], env={**os.environ, "LD_DEBUG": "bindings"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "(allocator: TCMalloc, gperftools " in run.stdout
    # Matched in the whole text: the runtime's threads may write their lines into each other's.
    bindings = re.findall(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: normal symbol `(?:malloc|free)'", run.stderr)
    assert len(bindings) == len(re.findall(r"normal symbol `(?:malloc|free)'", run.stderr)) >= 4, run.stderr[-2000:]
    elsewhere = [(source, target) for source, target in bindings if "libtcmalloc_minimal.so" not in target]
    assert not elsewhere, elsewhere
    # The binary's own references and the Swift runtime's, which allocates every object.
    sources = {os.path.basename(source) for source, _ in bindings}
    assert "mss-server" in sources and "libswiftCore.so" in sources, sources
