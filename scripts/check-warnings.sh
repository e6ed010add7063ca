#!/usr/bin/env bash
# Fails when a build log (the output of `swift build`) holds a compiler warning in this
# package's own code (Sources/, Tests/, Examples/); dependencies' warnings are not ours to fix.
# scripts/test.sh runs it over the fresh clone's full build, so every file of ours is compiled
# and checked. Usage: scripts/check-warnings.sh BUILD_LOG
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

log_file=${1:?usage: check-warnings.sh BUILD_LOG}
pattern="^$root/(Sources|Tests|Examples|Fuzz/Sources)/[^:]+:[0-9]+:[0-9]+: warning:"
# A warning inside a macro's expansion (`#expect(try …)`) is printed against the expansion's
# buffer; the next line names the file of ours it came from.
expanded="^macro expansion [^:]+:[0-9]+:[0-9]+: warning:"
origin="^\`- $root/(Sources|Tests|Examples|Fuzz/Sources)/[^:]+:[0-9]+:[0-9]+: note: expanded code originates here"
found=$( { grep -E "$pattern" "$log_file" || true; grep -EA1 "$expanded" "$log_file" | grep -E "$origin" || true; } | sort -u)
if [ -n "$found" ]; then
    log "compiler warnings in this package's code (fix them; CI builds with none):"
    echo "$found" >&2
    exit 1
fi
log "no compiler warnings in this package's code"
