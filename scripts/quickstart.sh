#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine it installs what the build needs
# (libvips, the WenQuanYi fonts), builds the `mss` command line and runs `mss quickstart`: every
# call of the mssapi README, in Swift, against the embedded local mss-server (started on first
# use over ~/.mss/data, or MSS_HOME), including both image examples. The example images land in
# ./quickstart-output (MSS_QUICKSTART_DIR to change). Any arguments go to `mss quickstart`.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates pkg-config libvips-dev libsqlite3-dev fonts-wqy-zenhei fonts-wqy-microhei

log "building the mss command line"
build_start=$(date +%s)
swift build --product mss
build_seconds=$(($(date +%s) - build_start))
mss="$(swift build --show-bin-path)/mss"
output=${MSS_QUICKSTART_DIR:-$root/quickstart-output}

log "running the quick start (mss quickstart --directory $output)"
run_start=$(date +%s)
"$mss" quickstart --directory "$output" "$@"
run_seconds=$(($(date +%s) - run_start))
log "done: $output/example_rotation.jpg and $output/example_water.jpg"
log "build ${build_seconds}s, quick start ${run_seconds}s ($(nproc) cores)"
log "the local mss-server keeps running for more: $mss ls, $mss cp FILE mss://BUCKET/, $mss server --stop"
