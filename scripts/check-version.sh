#!/usr/bin/env bash
# Fails when PackageVersion.current (what `mss --version` prints and the User-Agent carries)
# is not CHANGELOG.md's newest numbered release.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

code=$(sed -n 's/.*public static let current = "\(.*\)".*/\1/p' "$root/Sources/S3Protocol/Version/PackageVersion.swift")
changelog=$(sed -n 's/^## \[\([0-9][^]]*\)\].*/\1/p' "$root/CHANGELOG.md" | head -1)
if [ -z "$code" ] || [ "$code" != "$changelog" ]; then
    log "PackageVersion.current is '$code' but CHANGELOG.md's newest release is '$changelog'"
    exit 1
fi
log "version $code matches CHANGELOG.md"
