#!/usr/bin/env bash
# Runs the seed README's quick start in Swift against a local S3 server on a Debian 12 machine:
# installs what it needs, starts a throwaway Ceph RGW on 127.0.0.1, runs the `mss-quickstart`
# example with SigV2 (MSS's default) and SigV4, and stops the server.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev radosgw ceph-mon ceph-osd ceph-common

state=$(mktemp -d "${TMPDIR:-/tmp}/mss-quickstart.XXXXXX")
trap 'stop_pids_in "$state/rgw"; rm -rf "$state"' EXIT

port=$(free_port)
export MSS_ACCESS_KEY=MSSQUICKSTART0000001
export MSS_SECRET_KEY=quickstart-secret-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
log "starting a local S3 server (Ceph RGW) on 127.0.0.1:$port"
"$root/scripts/start-rgw.sh" "$state/rgw" "$port" "$MSS_ACCESS_KEY" "$MSS_SECRET_KEY" >"$state/rgw.log" 2>&1 || {
    cat "$state/rgw.log" >&2
    exit 1
}
export MSS_ENDPOINT="http://127.0.0.1:$port"
swift build --product mss-quickstart
log "quick start with SigV2"
MSS_SIGNATURE=v2 "$(swift build --show-bin-path)/mss-quickstart"
log "quick start with SigV4"
MSS_SIGNATURE=v4 "$(swift build --show-bin-path)/mss-quickstart"
