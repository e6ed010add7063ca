#!/usr/bin/env bash
# mss-server (release build) holding BENCH_OBJECTS (1,000,000) objects in one versioned bucket
# (every 10th key with a noncurrent version too), against the scale goals of issue 13: restart to
# the first answered request <= 2 s, server RSS <= 300 MiB, any listing page <= 20 ms, delimiter
# listings and ListObjectVersions likewise. The objects are written straight to disk by
# Benchmarks/tools/make_store.py in the server's own layout (a million PUTs would take hours), as
# a server without an index of keys left them; the server's first start rebuilds its index from the
# documents (timed too), stops cleanly, and the restart measured is the one after. Page times are the median of BENCH_ROUNDS (5) requests each, over
# one keep-alive connection, with presigned SigV4 URLs (signing is not timed).
# Not a test: it asserts nothing and is not run by CI.
#   BENCH_BIN: a folder with a release mss-server already built; BENCH_DIR: where the data goes
#   (about 10 GiB a million objects, the index 1.3 GiB of it); BENCH_KEEP=1 keeps it afterwards.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev
ensure_venv
bin=$(release_bin mss-server)
count=${BENCH_OBJECTS:-1000000}
rounds=${BENCH_ROUNDS:-5}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-scale-bench.XXXXXX")
trap 'stop_pids_in "$work"; [ "${BENCH_KEEP:-0}" = 1 ] && echo "data kept in $work" >&2 || rm -rf "$work"' EXIT

endpoint=$(start_mss_server "$bin/mss-server" "$work")
"$venv/bin/python" - "$endpoint" <<'PY'
import sys
import boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1")
s3.create_bucket(Bucket="scale")
s3.put_bucket_versioning(Bucket="scale", VersioningConfiguration={"Status": "Enabled"})
PY
stop_pids_in "$work"
rm -f "$work/server.pid"
# The files of a server without an index: the one the bucket was made with is not told of them.
rm -f "$work/data/.mss/index.sqlite"*
python3 "$root/Benchmarks/tools/make_store.py" "$work/data" scale "$count" --versions-every 10

port=$(free_port)
image_port=$(free_port)
# Starts the server on the data and waits for its first answer; sets pid, started and ready.
start_and_wait() {
    started=$(date +%s.%N)
    "$bin/mss-server" --data "$work/data" --port "$port" --image-port "$image_port" --access-key BENCHKEY --secret-key bench-secret-key \
        --no-lifecycle >>"$work/server.log" 2>&1 &
    echo $! >"$work/server.pid"
    pid=$(cat "$work/server.pid")
    until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; do
        kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        sleep 0.01
    done
    ready=$(date +%s.%N)
}
start_and_wait
rebuild_seconds=$(awk -v s="$started" -v r="$ready" 'BEGIN { printf "%.1f", r - s }')
rebuild_peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")
# A clean stop (SIGTERM, then wait): the index is closed and trusted by the next start.
kill "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
rm -f "$work/server.pid"
du_size=$(du -sh "$work/data" | cut -f1)
index_size=$(du -shc "$work/data/.mss/index.sqlite"* | tail -1 | cut -f1)
# Cold: the files the generator and the rebuild touched are in the page cache; drop them when we may.
sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null && cache="cold page cache" || cache="warm page cache (drop_caches needs root)"

start_and_wait
rss_started=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")

"$venv/bin/python" - "http://127.0.0.1:$port" "$count" "$rounds" >"$work/pages" <<'PY'
import http.client
import statistics
import sys
import time
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

endpoint, count, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
parts = urlsplit(endpoint)
connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)


def key(number):
    return f"d{number % 100}/s{(number // 100) % 20}/f-{number:08d}.jpg"


def timed(operation, **params):
    url = urlsplit(s3.generate_presigned_url(operation, Params={"Bucket": "scale", **params}, ExpiresIn=3600))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        connection.request("GET", f"{url.path}?{url.query}")
        answer = connection.getresponse()
        body = answer.read()
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status == 200, (operation, params, answer.status, body[:300])
    return statistics.median(times), body


middle = key(count // 2)
cases = [
    ("ListObjectsV2, first page (1,000 keys)", "list_objects_v2", {}),
    ("ListObjectsV2, page from the middle (start-after)", "list_objects_v2", {"StartAfter": middle}),
    ("ListObjects (v1), page from the middle (marker)", "list_objects", {"Marker": middle}),
    ("ListObjectsV2, last page", "list_objects_v2", {"StartAfter": "d99/s19/"}),
    ("delimiter '/', whole bucket (100 prefixes)", "list_objects_v2", {"Delimiter": "/"}),
    ("delimiter '/', prefix d7/ (20 prefixes)", "list_objects_v2", {"Delimiter": "/", "Prefix": "d7/"}),
    ("prefix d7/s3/, first page", "list_objects_v2", {"Prefix": "d7/s3/"}),
    ("ListObjectVersions, first page", "list_object_versions", {}),
    ("ListObjectVersions, page from the middle (key-marker)", "list_object_versions", {"KeyMarker": middle}),
    ("ListObjectVersions, delimiter '/', prefix d7/", "list_object_versions", {"Delimiter": "/", "Prefix": "d7/"}),
]
for name, operation, params in cases:
    milliseconds, body = timed(operation, **params)
    print(f"{name}|{milliseconds:.1f}|{len(body)}")
# Every key once, 1,000 a page: what `mss ls -r` or a sync does.
started = time.perf_counter()
token, listed = None, 0
while True:
    params = {"Bucket": "scale", "MaxKeys": 1000}
    if token:
        params["ContinuationToken"] = token
    page = s3.list_objects_v2(**params)
    listed += page.get("KeyCount", 0)
    if not page.get("IsTruncated"):
        break
    token = page["NextContinuationToken"]
print(f"every key listed ({listed}), boto3, 1,000 a page|{(time.perf_counter() - started) * 1000:.0f}|-")
PY
rss_after=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
rss_peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")

echo "$(nproc) cores; $count objects (+ $((count / 10)) noncurrent versions) in one versioned bucket, $du_size on disk (index $index_size); $cache"
echo "first start, rebuilding the index from the documents: $rebuild_seconds s, peak RSS $rebuild_peak MiB"
printf '%-58s %10s   %s\n' "measure" "mss-server" "goal"
awk -v s="$started" -v r="$ready" 'BEGIN { printf "%-58s %9.2fs   <= 2 s\n", "restart (after a clean stop) to the first answer", r - s }'
printf '%-58s %7s MiB   <= 300 MiB\n' "RSS once started" "$rss_started"
printf '%-58s %7s MiB   <= 300 MiB\n' "RSS after the listings (peak $rss_peak MiB)" "$rss_after"
while IFS='|' read -r name value size; do
    if [ "$size" = "-" ]; then
        printf '%-58s %8s ms\n' "$name" "$value"
    else
        printf '%-58s %8s ms   <= 20 ms\n' "$name" "$value"
    fi
done <"$work/pages"
