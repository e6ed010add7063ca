#!/usr/bin/env bash
# Prints how long `mss` takes to list many keys, beside `mss du` over the same keys (the goal:
# `ls` within 1.5x of `du`, in the human and the --json form) and `aws s3 ls --recursive`, all
# against one mss-server (release build) on this machine. Not a test: it asserts nothing and is
# not run by CI.   BENCH_KEYS (30000) changes the number of keys; BENCH_BIN names a folder with
# release builds of mss and mss-server already made.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev time
ensure_venv
bin=$(release_bin mss-server mss)

keys=${BENCH_KEYS:-30000}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-cli-bench.XXXXXX")
trap 'stop_pids_in "$work"; rm -rf "$work"' EXIT
endpoint=$(start_mss_server "$bin/mss-server" "$work")

export MSS_ENDPOINT="$endpoint" MSS_ACCESS_KEY=BENCHKEY MSS_SECRET_KEY=bench-secret-key MSS_HOME="$work/home"
export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_DEFAULT_REGION=us-east-1

"$venv/bin/python" - "$endpoint" "$keys" <<'PY'
import sys, concurrent.futures as cf
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], config=Config(max_pool_connections=32))
s3.create_bucket(Bucket="listing")
def put(i):
    s3.put_object(Bucket="listing", Key=f"dir{i % 30:02d}/sub{i % 7}/file-{i:06d}.txt", Body=b"x" * (i % 500))
with cf.ThreadPoolExecutor(16) as pool:
    list(pool.map(put, range(int(sys.argv[2]))))
PY

# Best of three, wall seconds and the user CPU of the command itself, output counted (so a
# command that printed nothing cannot look fast).
measure() {
    local best="" best_user="" lines="" wall user
    for _ in 1 2 3; do
        lines=$(/usr/bin/time -o "$work/time" -f "%e %U" "$@" | wc -l)
        read -r wall user <"$work/time"
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; best_user=$user; fi
    done
    printf '%-34s %8s s %8s s CPU %8s lines\n' "$label" "$best" "$best_user" "$lines"
}
echo "$(nproc) cores; $keys keys in one bucket"
label="mss du" measure "$bin/mss" du mss://listing
label="mss ls -r" measure "$bin/mss" ls -r mss://listing
label="mss ls -r --json" measure "$bin/mss" ls -r --json mss://listing
label="aws s3 ls --recursive" measure "$venv/bin/aws" --endpoint-url "$endpoint" s3 ls --recursive s3://listing
