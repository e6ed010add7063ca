#!/usr/bin/env bash
# Prints mss-server throughput side by side with nginx, curl and dd on this machine:
#  - small-object GET requests/s with wrk (mss-server serving a public-read object; nginx the same bytes)
#  - 1 GiB PUT and GET MB/s with curl (single stream) against mss-server, and dd on the same disk
#  - listing: time to create and page through N keys (N=20000 by default, BENCH_KEYS to change)
# Not a test: it asserts nothing and is not run by CI.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev wrk nginx-light
ensure_venv
swift build -c release --product mss-server >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-bench.XXXXXX")
trap 'stop_pids_in "$work"; rm -rf "$work"' EXIT

endpoint=$(start_mss_server "$bin/mss-server" "$work")

py() { "$venv/bin/python" - "$@"; }
boto='import boto3, sys
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))'

head -c 4096 /dev/urandom >"$work/small.bin"
py "$endpoint" <<PY
$boto
s3.create_bucket(Bucket="bench")
s3.put_object(Bucket="bench", Key="small.bin", Body=open("$work/small.bin", "rb").read(), ACL="public-read")
PY

mkdir -p "$work/www"
cp "$work/small.bin" "$work/www/small.bin"
nginx_port=$(start_nginx "$work" small.bin)

rps() { wrk -t2 -c32 -d10s "$1" | awk '/Requests\/sec/ {print $2}'; }
mss_rps=$(rps "$endpoint/bench/small.bin")
nginx_rps=$(rps "http://127.0.0.1:$nginx_port/small.bin")

head -c $((1 << 30)) /dev/urandom >"$work/big.bin"
put_url=$(py "$endpoint" <<PY
$boto
print(s3.generate_presigned_url("put_object", Params={"Bucket": "bench", "Key": "big.bin"}, ExpiresIn=3600))
PY
)
get_url=$(py "$endpoint" <<PY
$boto
print(s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "big.bin"}, ExpiresIn=3600))
PY
)
mbps() { awk -v bytes=$((1 << 30)) -v seconds="$1" 'BEGIN { printf "%.0f", bytes / seconds / 1048576 }'; }
put_seconds=$(curl -s -o /dev/null -w '%{time_total}' -T "$work/big.bin" -H 'Content-Type:' "$put_url")
get_seconds=$(curl -s -o /dev/null -w '%{time_total}' "$get_url")
start=$(date +%s.%N); dd if=/dev/zero of="$work/dd.bin" bs=1M count=1024 conv=fsync status=none; end=$(date +%s.%N)
dd_write=$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')
start=$(date +%s.%N); dd if="$work/dd.bin" of=/dev/null bs=1M status=none; end=$(date +%s.%N)
dd_read=$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')

keys=${BENCH_KEYS:-20000}
listing=$(py "$endpoint" "$keys" <<'PY'
import boto3, sys, time, concurrent.futures
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
n = int(sys.argv[2])
s3.create_bucket(Bucket="many")
start = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda i: s3.put_object(Bucket="many", Key=f"k/{i:08d}", Body=b""), range(n)))
created = time.time() - start
start = time.time()
count = sum(len(p.get("Contents", [])) for p in s3.get_paginator("list_objects_v2").paginate(Bucket="many"))
listed = time.time() - start
start = time.time()
for _ in range(20):
    s3.list_objects_v2(Bucket="many", StartAfter=f"k/{n - 500:08d}", MaxKeys=1000)
deep = (time.time() - start) / 20
print(f"{n} {created:.1f} {count} {listed:.2f} {deep * 1000:.1f}")
PY
)
read -r n created count listed deep <<<"$listing"

printf '\n%-44s %12s %12s\n' "measure" "mss-server" "reference"
printf '%-44s %12s %12s\n' "4 KiB GET, requests/s (wrk -t2 -c32, 10 s)" "$mss_rps" "$nginx_rps nginx"
printf '%-44s %12s %12s\n' "1 GiB PUT, MB/s (curl single stream)" "$(mbps "$put_seconds")" "$(mbps "$dd_write") dd write"
printf '%-44s %12s %12s\n' "1 GiB GET, MB/s (curl single stream)" "$(mbps "$get_seconds")" "$(mbps "$dd_read") dd read"
printf '%-44s %12s\n' "create $n keys, s (16 threads, boto3)" "$created"
printf '%-44s %12s\n' "list all $count keys, s (1,000 a page)" "$listed"
printf '%-44s %12s\n' "one page deep in the listing, ms" "$deep"
