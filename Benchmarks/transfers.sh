#!/usr/bin/env bash
# Prints transfer throughput side by side: this SDK (the mss-transfer tool), awscli, rclone and
# curl (one stream), against one mss-server (release build) on this machine, plus the peak RSS of
# a 4 GiB upload with this SDK. Not a test: it asserts nothing and is not run by CI.
#   BENCH_BIG_MIB (1024), BENCH_SMALL_FILES (2000), BENCH_RSS_MIB (4096) change the sizes.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev rclone time
ensure_venv
swift build -c release --product mss-server >/dev/null
swift build -c release --product mss-transfer >/dev/null
bin=$(swift build -c release --show-bin-path)

big_mib=${BENCH_BIG_MIB:-1024}
small_files=${BENCH_SMALL_FILES:-2000}
rss_mib=${BENCH_RSS_MIB:-4096}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-transfer-bench.XXXXXX")
trap 'stop_pids_in "$work"; rm -rf "$work"' EXIT

endpoint=$(start_mss_server "$bin/mss-server" "$work")

export MSS_ENDPOINT="$endpoint" MSS_ACCESS_KEY=BENCHKEY MSS_SECRET_KEY=bench-secret-key
export AWS_ACCESS_KEY_ID=BENCHKEY AWS_SECRET_ACCESS_KEY=bench-secret-key AWS_DEFAULT_REGION=us-east-1
unset AWS_CA_BUNDLE
export RCLONE_CONFIG_B_TYPE=s3 RCLONE_CONFIG_B_PROVIDER=Other RCLONE_CONFIG_B_ENDPOINT="$endpoint" \
    RCLONE_CONFIG_B_ACCESS_KEY_ID=BENCHKEY RCLONE_CONFIG_B_SECRET_ACCESS_KEY=bench-secret-key RCLONE_CONFIG_B_FORCE_PATH_STYLE=true
aws() { "$venv/bin/aws" --endpoint-url "$endpoint" "$@"; }

aws s3 mb s3://bench >/dev/null
head -c $((big_mib << 20)) /dev/urandom >"$work/big.bin"
mkdir -p "$work/small"
for i in $(seq "$small_files"); do head -c 4096 /dev/urandom >"$work/small/f$i"; done

seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1; local end=$(date +%s.%N); awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'; }
mbps() { awk -v mib="$big_mib" -v s="$1" 'BEGIN { printf "%.0f", mib / s }'; }
fps() { awk -v n="$small_files" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

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

sdk_small_up=$(seconds "$bin/mss-transfer" upload-dir "$work/small" bench sdk-small/ --concurrency 16)
sdk_small_down=$(seconds "$bin/mss-transfer" download-dir "$work/sdk-small" bench sdk-small/ --concurrency 16)
aws_small_up=$(seconds aws s3 cp --recursive "$work/small" s3://bench/aws-small/)
aws_small_down=$(seconds aws s3 cp --recursive s3://bench/aws-small/ "$work/aws-small")
rclone_small_up=$(seconds rclone copy --transfers 16 "$work/small" b:bench/rclone-small)
rclone_small_down=$(seconds rclone copy --transfers 16 b:bench/rclone-small "$work/rclone-small")

rm -f "$work/big.bin" "$work"/*.back
head -c $((rss_mib << 20)) /dev/zero >"$work/huge.bin"
rss_kib=$(/usr/bin/time -v "$bin/mss-transfer" upload "$work/huge.bin" bench huge.bin --part-size 16 --concurrency 8 2>&1 \
    | awk '/Maximum resident set size/ {print $6}')

printf '\n%-34s %10s %10s %10s %10s\n' "$big_mib MiB file, MB/s" "this SDK" "awscli" "rclone" "curl"
printf '%-34s %10s %10s %10s %10s\n' "upload" "$(mbps "$sdk_up")" "$(mbps "$aws_up")" "$(mbps "$rclone_up")" "$(mbps "$curl_up")"
printf '%-34s %10s %10s %10s %10s\n' "download" "$(mbps "$sdk_down")" "$(mbps "$aws_down")" "$(mbps "$rclone_down")" "$(mbps "$curl_down")"
printf '%-34s %10s %10s %10s\n' "$small_files x 4 KiB, files/s" "this SDK" "awscli" "rclone"
printf '%-34s %10s %10s %10s\n' "upload" "$(fps "$sdk_small_up")" "$(fps "$aws_small_up")" "$(fps "$rclone_small_up")"
printf '%-34s %10s %10s %10s\n' "download" "$(fps "$sdk_small_down")" "$(fps "$aws_small_down")" "$(fps "$rclone_small_down")"
printf '%-34s %10s\n' "peak RSS of a $rss_mib MiB upload, MiB" "$((rss_kib / 1024))"
