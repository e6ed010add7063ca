#!/usr/bin/env bash
# Prints image-service figures side by side with the vips command line on this machine, for a
# 2000x1500 JPEG rotated 30 degrees with a text watermark (`30r|watermark=2&text=...`):
#  - latency of one request to mss-server's image port (median of 20, curl)
#  - the same work with the `vips` CLI: one command per step, through .v files (median of 20)
#  - requests/s at 8 concurrent requests (wrk), and for `30r` alone
# Not a test: it asserts nothing and is not run by CI.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libvips-tools imagemagick fonts-wqy-zenhei wrk
ensure_venv
swift build -c release --product mss-server >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-image-bench.XXXXXX")
trap 'stop_pids_in "$work"; rm -rf "$work"' EXIT

endpoint=$(start_mss_server "$bin/mss-server" "$work")
image_endpoint=$(cat "$work/image-endpoint")
convert -size 2000x1500 plasma: -quality 90 "$work/photo.jpg"

text=aGVsbG8sIHdvcmxk  # "hello, world"
urls=$("$venv/bin/python" - "$endpoint" "$image_endpoint" "$work/photo.jpg" "$text" <<'PY'
import sys, boto3
from botocore.config import Config
endpoint, image_endpoint, photo, text = sys.argv[1:]
def client(url):
    return boto3.client("s3", endpoint_url=url, aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                        region_name="us-east-1", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
client(endpoint).create_bucket(Bucket="bench")
client(endpoint).upload_file(photo, "bench", "photo.jpg")
images = client(image_endpoint)
for process in [f"30r|watermark=2&text={text}", "30r"]:
    print(images.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": f"photo.jpg@{process}"}, ExpiresIn=3600))
PY
)
both_url=$(sed -n 1p <<<"$urls")
rotate_url=$(sed -n 2p <<<"$urls")
curl -sf -o "$work/check.jpg" "$both_url"
identify "$work/check.jpg" >&2

median_ms() {  # runs "$@" 20 times, prints the median wall time in ms
    local times=()
    for _ in $(seq 20); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=($(((end - start) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 10p
}

vips_chain() {
    local v=$work/v
    mkdir -p "$v"
    vips rotate "$work/photo.jpg" "$v/r.v" 30 --background "255 255 255"
    vips text "$v/t.v" "hello, world" --font "WenQuanYi Zen Hei 40" --dpi 72
    vips linear "$v/t.v" "$v/z.v" 0 0 --uchar
    vips bandjoin "$v/z.v $v/z.v $v/z.v $v/t.v" "$v/o.v"
    vips copy "$v/o.v" "$v/o2.v" --interpretation srgb
    local w h tw th
    w=$(vipsheader -f width "$v/r.v"); h=$(vipsheader -f height "$v/r.v")
    tw=$(vipsheader -f width "$v/t.v"); th=$(vipsheader -f height "$v/t.v")
    vips composite2 "$v/r.v" "$v/o2.v" "$v/c.v" over --x $((w - tw - 10)) --y $((h - th - 10))
    vips extract_band "$v/c.v" "$work/vips-out.jpg[Q=85]" 0 --n 3
}
vips_rotate_only() { vips rotate "$work/photo.jpg" "$work/vips-rot.jpg[Q=85]" 30 --background "255 255 255"; }

server_both=$(median_ms curl -sf -o /dev/null "$both_url")
server_rotate=$(median_ms curl -sf -o /dev/null "$rotate_url")
cli_both=$(median_ms vips_chain)
cli_rotate=$(median_ms vips_rotate_only)
rps() { wrk -t2 -c8 -d15s "$1" | awk '/Requests\/sec/ {print $2}'; }
rps_both=$(rps "$both_url")
rps_rotate=$(rps "$rotate_url")

printf '\n%-44s %12s %12s\n' "2000x1500 JPEG, $(nproc) cores" "mss-server" "vips CLI"
printf '%-44s %9s ms %9s ms\n' "30r + text watermark, one request (median)" "$server_both" "$cli_both"
printf '%-44s %9s ms %9s ms\n' "30r only, one request (median)" "$server_rotate" "$cli_rotate"
printf '%-44s %12s\n' "30r + text watermark, req/s at 8 concurrent" "$rps_both"
printf '%-44s %12s\n' "30r only, req/s at 8 concurrent" "$rps_rotate"
echo "(the vips CLI chain runs 8 commands through .v files; the server decodes, renders and encodes in one process)"
