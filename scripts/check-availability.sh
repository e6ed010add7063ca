#!/usr/bin/env bash
# Checks statically that the library targets an app links (MSS, S3Protocol, FileChecksums, MSSImageProcess) use no
# toolchain API above the platform minimums Package.swift claims: this machine cannot build for
# Apple platforms, so the compiler cannot tell us. First the checker's self-test against fixture
# sources (it must catch new APIs and accept guarded and old ones), then the real sources.
# Arguments go to the real check (e.g. --platforms "macOS 14, iOS 17" to try other minimums).
# Exits non-zero on any finding, or when the checker misjudges a fixture.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$root"

require_swift
command -v python3 >/dev/null 2>&1 || apt_install python3

# The toolchain's symbol graphs, extracted once for both runs and thrown away afterwards.
graphs=$(mktemp -d "${TMPDIR:-/tmp}/mss-symbol-graphs.XXXXXX")
trap 'rm -rf "$graphs"' EXIT

log "availability check: self-test of scripts/check-availability.py"
python3 "$root/scripts/check-availability.py" --self-test --symbol-graphs "$graphs"

log "availability check: Sources/MSS, Sources/S3Protocol, Sources/FileChecksums, Sources/MSSImageProcess against Package.swift's platforms"
python3 "$root/scripts/check-availability.py" --symbol-graphs "$graphs" "$@"
