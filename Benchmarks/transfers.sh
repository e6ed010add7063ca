#!/usr/bin/env bash
# Prints transfer throughput side by side on this machine. Not a test: it asserts nothing and is
# not run by CI.
#
# Big files: this SDK (the mss-transfer tool), awscli, rclone and curl (one stream) against one
# mss-server (release build), plus the peak RSS of a 4 GiB upload with this SDK.
#
# Many small files: `mss cp -r` and the SDK's TransferManager (mss-transfer upload-dir /
# download-dir) beside `rclone copy` with its default settings (4 transfers) and with as many
# transfers as ours run, up and down, against one mss-server AND against Ceph RGW (a throwaway
# one from scripts/start-rgw.sh, when Ceph is installed): a peer that is fast against RGW but slow
# against mss-server points at the server, one slow against both at the client. Each figure is
# the median of BENCH_RUNS runs, each into a fresh prefix or folder; ratios are ours / rclone's.
#
#   BENCH_BIG_MIB (1024), BENCH_SMALL_FILES (2000), BENCH_RSS_MIB (4096) change the sizes;
#   BENCH_RUNS (3) the runs per small-file figure; BENCH_SMALL_CONCURRENCY (32) our small files in
#   flight (and rclone's second column); BENCH_ONLY=small or big runs one section;
#   BENCH_RGW=0 skips RGW; BENCH_BIN names a folder with release builds of mss, mss-transfer and
#   mss-server already made.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev rclone time
ensure_venv
bin=$(release_bin mss-server mss-transfer mss)

only=${BENCH_ONLY:-all}
big_mib=${BENCH_BIG_MIB:-1024}
small_files=${BENCH_SMALL_FILES:-2000}
rss_mib=${BENCH_RSS_MIB:-4096}
runs=${BENCH_RUNS:-3}
# Small files `mss cp -r` and mss-transfer keep in flight by default
# (TransferConfiguration.smallFileConcurrency): rclone gets as many transfers in the second column.
# BENCH_SMALL_CONCURRENCY sets it for both.
ours=${BENCH_SMALL_CONCURRENCY:-32}
cp_flags=() sdk_flags=()
if [ -n "${BENCH_SMALL_CONCURRENCY:-}" ]; then cp_flags=(--concurrency "$ours") sdk_flags=(--small-file-concurrency "$ours"); fi
work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-transfer-bench.XXXXXX")
trap 'stop_pids_in "$work"; [ -d "$work/rgw" ] && stop_pids_in "$work/rgw"; rm -rf "$work"' EXIT

endpoint=$(start_mss_server "$bin/mss-server" "$work")
echo "$(nproc) cores; mss-server $endpoint"

# Points every client at ENDPOINT (the same keys on both servers).
use_server() {
    export MSS_ENDPOINT="$1" MSS_ACCESS_KEY=BENCHKEY MSS_SECRET_KEY=bench-secret-key MSS_SIGNATURE=v4 MSS_HOME="$work/home"
    export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_DEFAULT_REGION=us-east-1
    unset AWS_CA_BUNDLE
    export RCLONE_CONFIG_B_TYPE=s3 RCLONE_CONFIG_B_PROVIDER=Other RCLONE_CONFIG_B_ENDPOINT="$1" \
        RCLONE_CONFIG_B_ACCESS_KEY_ID=BENCHKEY RCLONE_CONFIG_B_SECRET_ACCESS_KEY=bench-secret-key RCLONE_CONFIG_B_FORCE_PATH_STYLE=true
}
aws() { "$venv/bin/aws" --endpoint-url "$MSS_ENDPOINT" "$@"; }

# Each timed command starts on a disk with nothing left to write: without the `sync`, the
# writeback of what the step before uploaded (8,000 objects, their documents and the server's
# log) ran during the next step, which in every run is our download, first after the uploads.
seconds() { sync; local start=$(date +%s.%N); "$@" >/dev/null 2>&1; local end=$(date +%s.%N); awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'; }
mbps() { awk -v mib="$big_mib" -v s="$1" 'BEGIN { printf "%.0f", mib / s }'; }
fps() { awk -v n="$small_files" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

use_server "$endpoint"

if [ "$only" != small ]; then
    aws s3 mb s3://bench >/dev/null
    head -c $((big_mib << 20)) /dev/urandom >"$work/big.bin"
    sdk_up=$(seconds "$bin/mss-transfer" upload "$work/big.bin" bench sdk/big.bin --part-size 16 --concurrency 8)
    sdk_down=$(seconds "$bin/mss-transfer" download "$work/sdk.back" bench sdk/big.bin --part-size 16 --concurrency 8)
    aws_up=$(seconds aws s3 cp "$work/big.bin" s3://bench/aws/big.bin)
    aws_down=$(seconds aws s3 cp s3://bench/aws/big.bin "$work/aws.back")
    rclone_up=$(seconds rclone copyto "$work/big.bin" b:bench/rclone/big.bin)
    rclone_down=$(seconds rclone copyto b:bench/rclone/big.bin "$work/rclone.back")
    put_url=$("$venv/bin/python" -c "
import boto3; s3 = boto3.client('s3', endpoint_url='$endpoint', region_name='us-east-1')
print(s3.generate_presigned_url('put_object', Params={'Bucket': 'bench', 'Key': 'curl/big.bin'}, ExpiresIn=3600))")
    get_url=$("$venv/bin/python" -c "
import boto3; s3 = boto3.client('s3', endpoint_url='$endpoint', region_name='us-east-1')
print(s3.generate_presigned_url('get_object', Params={'Bucket': 'bench', 'Key': 'curl/big.bin'}, ExpiresIn=3600))")
    curl_up=$(seconds curl -sf -T "$work/big.bin" -H 'Content-Type:' "$put_url")
    curl_down=$(seconds curl -sf -o "$work/curl.back" "$get_url")
    rm -f "$work/big.bin" "$work"/*.back

    head -c $((rss_mib << 20)) /dev/zero >"$work/huge.bin"
    rss_kib=$(/usr/bin/time -v "$bin/mss-transfer" upload "$work/huge.bin" bench huge.bin --part-size 16 --concurrency 8 2>&1 \
        | awk '/Maximum resident set size/ {print $6}')
    rm -f "$work/huge.bin"

    printf '\n%-34s %10s %10s %10s %10s\n' "$big_mib MiB file, MB/s" "this SDK" "awscli" "rclone" "curl"
    printf '%-34s %10s %10s %10s %10s\n' "upload" "$(mbps "$sdk_up")" "$(mbps "$aws_up")" "$(mbps "$rclone_up")" "$(mbps "$curl_up")"
    printf '%-34s %10s %10s %10s %10s\n' "download" "$(mbps "$sdk_down")" "$(mbps "$aws_down")" "$(mbps "$rclone_down")" "$(mbps "$curl_down")"
    printf '%-34s %10s\n' "peak RSS of a $rss_mib MiB upload, MiB" "$((rss_kib / 1024))"
fi

[ "$only" = big ] && exit 0

mkdir -p "$work/small"
for i in $(seq "$small_files"); do head -c 4096 /dev/urandom >"$work/small/f$i"; done

# Runs every small-file transfer BENCH_RUNS times against the server in MSS_ENDPOINT and prints
# the medians (files/s) under LABEL, in a bucket of its own.
small_section() {
    local label=$1 run tool direction got
    local -A fig=()
    aws s3 mb s3://small >/dev/null
    for run in $(seq "$runs"); do
        fig[up cp]+=" $(fps "$(seconds "$bin/mss" cp -r "${cp_flags[@]}" "$work/small" "mss://small/cp$run/")")"
        fig[up sdk]+=" $(fps "$(seconds "$bin/mss-transfer" upload-dir "${sdk_flags[@]}" "$work/small" small "sdk$run/")")"
        fig[up rc]+=" $(fps "$(seconds rclone copy "$work/small" "b:small/rc$run")")"
        fig[up rcn]+=" $(fps "$(seconds rclone copy --transfers "$ours" "$work/small" "b:small/rcn$run")")"
        fig[down cp]+=" $(fps "$(seconds "$bin/mss" cp -r "${cp_flags[@]}" "mss://small/cp$run/" "$work/down/$label/cp$run")")"
        fig[down sdk]+=" $(fps "$(seconds "$bin/mss-transfer" download-dir "${sdk_flags[@]}" "$work/down/$label/sdk$run" small "sdk$run/")")"
        fig[down rc]+=" $(fps "$(seconds rclone copy "b:small/rc$run" "$work/down/$label/rc$run")")"
        fig[down rcn]+=" $(fps "$(seconds rclone copy --transfers "$ours" "b:small/rcn$run" "$work/down/$label/rcn$run")")"
        # A failed transfer would look fast: every download must hold every file uploaded.
        for tool in cp sdk rc rcn; do
            got=$(find "$work/down/$label/$tool$run" -type f 2>/dev/null | wc -l)
            [ "$got" -eq "$small_files" ] || log "$label: $tool run $run came back with $got files, not $small_files"
        done
        # The downloads stay until the end: ext4 without a journal skips the inodes of files
        # deleted in the last 60 to 360 seconds when it makes new ones, scanning past each, so
        # deleting 8,000 files here slowed whichever download came next (ours, first in every
        # run) for minutes.
    done
    for direction in up down; do
        local cp sdk rc rcn
        cp=$(echo "${fig[$direction cp]}" | median); sdk=$(echo "${fig[$direction sdk]}" | median)
        rc=$(echo "${fig[$direction rc]}" | median); rcn=$(echo "${fig[$direction rcn]}" | median)
        printf '%-22s %-8s %9s %12s %10s %10s   %8s %8s %8s %8s\n' "$label" "$direction" "$cp" "$sdk" "$rc" "$rcn" \
            "$(ratio "$cp" "$rc")" "$(ratio "$cp" "$rcn")" "$(ratio "$sdk" "$rc")" "$(ratio "$sdk" "$rcn")"
        echo "$label $direction, each run: mss cp -r${fig[$direction cp]} | mss-transfer${fig[$direction sdk]} | rclone${fig[$direction rc]} | rclone $ours${fig[$direction rcn]}" >>"$work/runs"
    done
}

printf '\n%s x 4 KiB files, files/s, median of %s runs; ours at %s files in flight, rclone default = --transfers 4\n' \
    "$small_files" "$runs" "$ours"
printf '%-22s %-8s %9s %12s %10s %10s   %8s %8s %8s %8s\n' "server" "" "mss cp -r" "mss-transfer" "rclone" "rclone $ours" \
    "cp/rc" "cp/rc$ours" "sdk/rc" "sdk/rc$ours"
small_section "mss-server"

if [ "${BENCH_RGW:-1}" != 0 ] && command -v radosgw >/dev/null; then
    rgw_port=$(free_port)
    if bash scripts/start-rgw.sh "$work/rgw" "$rgw_port" BENCHKEY bench-secret-key >"$work/rgw.log" 2>&1; then
        use_server "http://127.0.0.1:$rgw_port"
        small_section "Ceph RGW (memstore)"
        use_server "$endpoint"
    else
        log "Ceph RGW did not start (see $work/rgw.log); no RGW figures"
        tail -5 "$work/rgw.log" >&2
    fi
else
    echo "(no Ceph RGW figures: BENCH_RGW=0 or radosgw not installed)"
fi
echo
cat "$work/runs"
