#!/usr/bin/env bash
# Fails when a build log (the output of `swift build`) holds a compiler warning in this
# package's own code (Sources/, Tests/, Examples/); dependencies' warnings are not ours to fix.
# scripts/test.sh runs it over the fresh clone's full build, so every file of ours is compiled
# and checked. Usage: scripts/check-warnings.sh BUILD_LOG
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

log_file=${1:?usage: check-warnings.sh BUILD_LOG}
pattern="^$root/(Sources|Tests|Examples|Fuzz/Sources)/[^:]+:[0-9]+:[0-9]+: warning:"
if grep -Eq "$pattern" "$log_file"; then
    log "compiler warnings in this package's code (fix them; CI builds with none):"
    grep -E "$pattern" "$log_file" | sort -u >&2
    exit 1
fi
log "no compiler warnings in this package's code"
