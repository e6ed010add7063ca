#!/usr/bin/env bash
# Prints small-request rates of mss-server (release build) beside nginx serving the same 4 KiB:
# anonymous GET of a public-read object, GET through a presigned SigV4 URL of a private object,
# anonymous HEAD, and nginx's GET and HEAD of the same bytes, with ratios. GETs are measured with
# wrk; HEADs with Benchmarks/tools/headload.c (one keep-alive connection a thread, compiled here),
# since wrk 4.1 waits for the body a HEAD answer's Content-Length announces and never completes
# one. The load and both servers share the machine's cores (nothing is pinned), so every measure runs
# BENCH_ROUNDS (3) times for BENCH_SECONDS (10) each, rounds interleaved, and the median is printed.
# Not a test: it asserts nothing and is not run by CI.
#   BENCH_BIN: a folder with a release mss-server already built; BENCH_CONNECTIONS (32), BENCH_THREADS (2).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 gcc libc6-dev pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev wrk nginx-light
ensure_venv
bin=$(release_bin mss-server)

seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-small-bench.XXXXXX")
trap 'stop_pids_in "$work"; rm -rf "$work"' EXIT
endpoint=$(start_mss_server "$bin/mss-server" "$work")
cc -O2 -pthread -o "$work/headload" "$root/Benchmarks/tools/headload.c"

head -c 4096 /dev/urandom >"$work/small.bin"
# A presigned URL for an hour covers every round.
presigned=$("$venv/bin/python" - "$endpoint" "$work/small.bin" <<'PY'
import sys
import boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
body = open(sys.argv[2], "rb").read()
s3.create_bucket(Bucket="bench")
s3.put_object(Bucket="bench", Key="small.bin", Body=body, ACL="public-read")
s3.put_object(Bucket="bench", Key="private.bin", Body=body)
print(s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "private.bin"}, ExpiresIn=3600))
PY
)

mkdir -p "$work/www"
cp "$work/small.bin" "$work/www/small.bin"
nginx_port=$(start_nginx "$work" small.bin)

# Every URL must answer 200 with the 4 KiB before it is measured: a rate of errors is no rate.
for url in "$endpoint/bench/small.bin" "$presigned" "http://127.0.0.1:$nginx_port/small.bin"; do
    size=$(curl -sf -o /dev/null -w '%{size_download}' "$url") || { log "no 200 from $url"; exit 1; }
    [ "$size" = 4096 ] || { log "$url answered $size bytes"; exit 1; }
done

names=(mss-get mss-presigned mss-head nginx-get nginx-head)
declare -A urls=(
    [mss-get]="$endpoint/bench/small.bin" [mss-presigned]="$presigned" [mss-head]="$endpoint/bench/small.bin"
    [nginx-get]="http://127.0.0.1:$nginx_port/small.bin" [nginx-head]="http://127.0.0.1:$nginx_port/small.bin"
)
declare -A results
rate() {
    local name=$1 out
    if [[ $name == *head ]]; then
        # http://127.0.0.1:PORT/PATH; headload reports answers that were not 2xx on stderr.
        local rest=${urls[$name]#http://}
        local authority=${rest%%/*}
        "$work/headload" "${authority%:*}" "${authority#*:}" "/${rest#*/}" "$connections" "$seconds"
        return
    fi
    out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" "${urls[$name]}")
    if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then log "$name: $(grep 'Non-2xx\|Socket errors' <<<"$out")"; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
for round in $(seq "$rounds"); do
    for name in "${names[@]}"; do
        results[$name]+="$(rate "$name") "
        log "round $round $name: ${results[$name]}"
    done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
declare -A m
for name in "${names[@]}"; do m[$name]=$(echo "${results[$name]}" | median); done

printf '\n4 KiB requests/s, GET: wrk -t%s -c%s, HEAD: headload %s connections; %s s x %s rounds (median); %s cores shared by the load and the servers\n' \
    "$threads" "$connections" "$connections" "$seconds" "$rounds" "$(nproc)"
printf '%-34s %12s %12s %8s\n' "measure" "mss-server" "nginx" "ratio"
printf '%-34s %12s %12s %8s\n' "anonymous GET (public-read)" "${m[mss-get]}" "${m[nginx-get]}" "$(ratio "${m[mss-get]}" "${m[nginx-get]}")"
printf '%-34s %12s %12s %8s\n' "presigned GET (SigV4 query)" "${m[mss-presigned]}" "${m[nginx-get]}" "$(ratio "${m[mss-presigned]}" "${m[nginx-get]}")"
printf '%-34s %12s %12s %8s\n' "anonymous HEAD (headload)" "${m[mss-head]}" "${m[nginx-head]}" "$(ratio "${m[mss-head]}" "${m[nginx-head]}")"
printf '(every round: %s)\n' "$(for n in "${names[@]}"; do printf '%s=[%s] ' "$n" "${results[$n]% }"; done)"
