#!/usr/bin/env bash
# Prints the image service's figures side by side with thumbor (Pillow, from PyPI) and the libvips
# command line, all on this machine in one run, for one 2000x1500 JPEG:
#  - requests/s at 8 concurrent requests (wrk -t2 -c8) for mss-server and thumbor
#  - one request at a time (wrk -t1 -c1, mean latency) for both servers
#  - the same work done by `vipsthumbnail` / `vips` in one process (median wall time of 20 runs)
#  - peak RSS of mss-server and of thumbor (all its processes) over the run
#  - PSNR of each server's resize against Pillow's Lanczos resize of the same source
#  - a cached variant (the same `800w_600h_80Q` request again) beside nginx serving its bytes
# Operations: `800w_600h_80Q` (thumbor: fit-in/800x600, quality 80), `100w_100h_1e_1c` (thumbor:
# 100x100 centre crop, quality 85), `30r` and the seed's text watermark (thumbor has neither: its
# rotation is quarter turns only and its watermarks are images).
# Not a test: it asserts nothing and is not run by CI. BENCH_SECONDS sets each wrk run (10).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 python3-venv pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev libvips-tools imagemagick fonts-wqy-zenhei wrk nginx-light
ensure_bench_venv
# BENCH_SCRATCH: a build directory of its own, so a benchmark does not rebuild the debug tree.
scratch=(${BENCH_SCRATCH:+--scratch-path "$BENCH_SCRATCH"})
swift build -c release --product mss-server "${scratch[@]}" >/dev/null
bin=$(swift build -c release --show-bin-path "${scratch[@]}")
seconds=${BENCH_SECONDS:-10}

work=$(mktemp -d "${BENCH_DIR:-/tmp}/mss-image-bench.XXXXXX")
# thumbor forks one worker per core; they are stopped with their parent.
trap '[ -f "$work/thumbor.pid" ] && pkill -P "$(cat "$work/thumbor.pid")"; stop_pids_in "$work"; stop_pids_in "$work/cached"; rm -rf "$work"' EXIT

# Renders are measured with the cache of variants off; the cached figure has a server of its own.
endpoint=$(start_mss_server "$bin/mss-server" "$work" --image-cache-size 0)
image_endpoint=$(cat "$work/image-endpoint")
server_pid=$(cat "$work/server.pid")
# A fractal: detail at every scale, so resampling differences show in the PSNR.
convert -seed 7 -size 2000x1500 plasma:red-blue -quality 90 "$work/photo.jpg"

thumbor_port=$(free_port)
cat >"$work/thumbor.conf" <<CONF
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = '$work'
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = None
ALLOW_UNSAFE_URL = True
QUALITY = 80
CONF
# As many processes as cores, like mss-server's render pool.
"$bench_venv/bin/thumbor" --ip 127.0.0.1 --port "$thumbor_port" --conf "$work/thumbor.conf" --processes "$(nproc)" \
    >"$work/thumbor.log" 2>&1 &
echo $! >"$work/thumbor.pid"
thumbor="http://127.0.0.1:$thumbor_port"
wait_for_http "$thumbor/healthcheck" 60

text=aGVsbG8sIHdvcmxk  # "hello, world"
operations=(resize crop rotate watermark)
declare -A process=(
    [resize]="800w_600h_80Q" [crop]="100w_100h_1e_1c" [rotate]="30r" [watermark]="watermark=2&text=$text"
)
declare -A thumbor_path=(
    [resize]="/unsafe/fit-in/800x600/filters:quality(80)/photo.jpg"
    [crop]="/unsafe/100x100/filters:quality(85)/photo.jpg"
)

# Presigned GET URLs on the image port, one per operation, in the order of `operations`.
urls=$("$bench_venv/bin/python" - "$endpoint" "$image_endpoint" "$work/photo.jpg" "${operations[@]/#/}" <<PY
import sys, boto3
from botocore.config import Config
endpoint, image_endpoint, photo = sys.argv[1:4]
def client(url):
    return boto3.client("s3", endpoint_url=url, aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                        region_name="us-east-1", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
client(endpoint).create_bucket(Bucket="bench")
client(endpoint).upload_file(photo, "bench", "photo.jpg")
images = client(image_endpoint)
# The last two, lossless, show the resampling alone in the PSNR.
for process in ["${process[resize]}", "${process[crop]}", "${process[rotate]}", "${process[watermark]}",
                "800w_600h.png", "100w_100h_1e_1c.png"]:
    print(images.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": f"photo.jpg@{process}"}, ExpiresIn=3600))
PY
)
declare -A mss_url
index=1
for operation in "${operations[@]}"; do
    mss_url[$operation]=$(sed -n "${index}p" <<<"$urls")
    index=$((index + 1))
done

for operation in "${operations[@]}"; do
    curl -sf -o "$work/mss-$operation.jpg" "${mss_url[$operation]}"
done
curl -sf -o "$work/mss-resize.png" "$(sed -n 5p <<<"$urls")"
curl -sf -o "$work/mss-crop.png" "$(sed -n 6p <<<"$urls")"
vipsthumbnail "$work/photo.jpg" --size 800x600 -o "$work/cli-resize.png"
vipsthumbnail "$work/photo.jpg" --size 100x100 --smartcrop centre -o "$work/cli-crop.png"
for operation in resize crop; do
    curl -sf -o "$work/thumbor-$operation.jpg" "$thumbor${thumbor_path[$operation]}"
done

# Requests/s and mean latency from wrk's report.
rps() { wrk -t2 -c8 -d"${seconds}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
latency_ms() {
    wrk -t1 -c1 -d"${seconds}s" --latency "$1" |
        awk '$1 == "Latency" && NF >= 4 { v=$2; if (v ~ /ms$/) { sub(/ms/, "", v); print v } else if (v ~ /us$/) { sub(/us/, "", v); print v / 1000 } else { sub(/s/, "", v); print v * 1000 }; exit }'
}

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

cli_resize() { vipsthumbnail "$work/photo.jpg" --size 800x600 -o "$work/cli-resize.jpg[Q=80,strip]"; }
cli_crop() { vipsthumbnail "$work/photo.jpg" --size 100x100 --smartcrop centre -o "$work/cli-crop.jpg[Q=85,strip]"; }
cli_rotate() { vips rotate "$work/photo.jpg" "$work/cli-rotate.jpg[Q=85,strip]" 30 --background "255 255 255"; }
cli_watermark() {  # the text drawn, coloured by its own mask, composited bottom-right, 8 commands through .v files
    local v=$work/v
    mkdir -p "$v"
    vips text "$v/t.v" "hello, world" --font "WenQuanYi Zen Hei 40" --dpi 72
    vips linear "$v/t.v" "$v/z.v" 0 0 --uchar
    vips bandjoin "$v/z.v $v/z.v $v/z.v $v/t.v" "$v/o.v"
    vips copy "$v/o.v" "$v/o2.v" --interpretation srgb
    local tw th
    tw=$(vipsheader -f width "$v/t.v"); th=$(vipsheader -f height "$v/t.v")
    vips composite2 "$work/photo.jpg" "$v/o2.v" "$v/c.v" over --x $((2000 - tw - 10)) --y $((1500 - th - 10))
    vips extract_band "$v/c.v" "$work/cli-watermark.jpg[Q=85,strip]" 0 --n 3
}

declare -A mss_rps mss_ms thumbor_rps thumbor_ms cli_ms
for operation in "${operations[@]}"; do
    log "measuring $operation"
    mss_rps[$operation]=$(rps "${mss_url[$operation]}")
    mss_ms[$operation]=$(latency_ms "${mss_url[$operation]}")
    cli_ms[$operation]=$(median_ms "cli_$operation")
    if [ -n "${thumbor_path[$operation]:-}" ]; then
        thumbor_rps[$operation]=$(rps "$thumbor${thumbor_path[$operation]}")
        thumbor_ms[$operation]=$(latency_ms "$thumbor${thumbor_path[$operation]}")
    fi
done

log "measuring a cached variant beside nginx"
mkdir -p "$work/cached" "$work/www"
cached_endpoint=$(start_mss_server "$bin/mss-server" "$work/cached")
cached_url=$("$bench_venv/bin/python" - "$cached_endpoint" "$(cat "$work/cached/image-endpoint")" "$work/photo.jpg" <<'PY'
import sys, boto3
from botocore.config import Config
endpoint, image_endpoint, photo = sys.argv[1:4]
def client(url):
    return boto3.client("s3", endpoint_url=url, aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                        region_name="us-east-1", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
client(endpoint).create_bucket(Bucket="bench")
client(endpoint).upload_file(photo, "bench", "photo.jpg")
print(client(image_endpoint).generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": "photo.jpg@800w_600h_80Q"}, ExpiresIn=3600))
PY
)
curl -sf -o "$work/www/variant.jpg" "$cached_url"  # renders once, fills the cache
nginx_port=$(start_nginx "$work" variant.jpg)
cached_rps=$(wrk -t2 -c32 -d"${seconds}s" "$cached_url" | awk '/Requests\/sec/ {print $2}')
nginx_rps=$(wrk -t2 -c32 -d"${seconds}s" "http://127.0.0.1:$nginx_port/variant.jpg" | awk '/Requests\/sec/ {print $2}')

peak_kib() {  # VmHWM of the given pids, summed
    local total=0
    for pid in "$@"; do
        total=$((total + $(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
thumbor_pids=$(pgrep -f "thumbor --ip 127.0.0.1 --port $thumbor_port" | tr '\n' ' ')
mss_peak=$(peak_kib "$server_pid")
# shellcheck disable=SC2086
thumbor_peak=$(peak_kib $thumbor_pids)

psnr=$("$bench_venv/bin/python" - "$work" <<'PY'
import math, sys
from PIL import Image, ImageChops, ImageStat
work = sys.argv[1]
source = Image.open(f"{work}/photo.jpg").convert("RGB")
def psnr(a, b):
    a, b = a.convert("RGB"), b.convert("RGB")
    if a.size != b.size:
        return f"size {b.size} != {a.size}"
    squares = ImageStat.Stat(ImageChops.difference(a, b).point(lambda v: v * v)).mean
    mse = sum(squares) / len(squares)
    return "inf" if mse == 0 else f"{10 * math.log10(255 ** 2 / mse):.1f} dB"
resize = source.resize((800, 600), Image.LANCZOS)
# `100w_100h_1e_1c`: the short edge to 100, then the middle 100x100.
scaled = source.resize((round(source.width * 100 / source.height), 100), Image.LANCZOS)
left = (scaled.width - 100) // 2
crop = scaled.crop((left, 0, left + 100, 100))
for name, reference in [("resize", resize), ("crop", crop)]:
    row = [psnr(reference, Image.open(f"{work}/{who}-{name}.jpg")) for who in ("mss", "thumbor", "cli")]
    print(f"{name} (JPEG out)", *row, sep="|")
    row = [psnr(reference, Image.open(f"{work}/{who}-{name}.png")) for who in ("mss", "cli")]
    print(f"{name} (PNG out)", row[0], "-", row[1], sep="|")
PY
)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
printf '\n2000x1500 JPEG, %s cores, wrk %ss per figure\n\n' "$(nproc)" "$seconds"
printf '%-26s %12s %12s %8s %12s %12s %12s\n' "operation" "mss req/s" "thumbor" "ratio" "mss 1 req" "thumbor" "vips CLI"
for operation in "${operations[@]}"; do
    printf '%-26s %12s %12s %8s %9s ms %9s ms %9s ms\n' "${process[$operation]:0:26}" "${mss_rps[$operation]}" \
        "${thumbor_rps[$operation]:--}" "$(ratio "${mss_rps[$operation]}" "${thumbor_rps[$operation]:-0}")" \
        "${mss_ms[$operation]}" "${thumbor_ms[$operation]:--}" "${cli_ms[$operation]}"
done
printf '\n%-26s %12s %12s %8s\n' "cached 800w_600h_80Q" "$cached_rps" "nginx $nginx_rps" "$(ratio "$cached_rps" "$nginx_rps")"
printf '(wrk -t2 -c32: the same variant again from the cache of rendered variants, beside nginx serving its bytes)\n'
printf '\npeak RSS: mss-server %s MiB, thumbor (%s processes) %s MiB\n' \
    "$((mss_peak / 1024))" "$(wc -w <<<"$thumbor_pids")" "$((thumbor_peak / 1024))"
printf '\nPSNR against Pillow LANCZOS     mss-server | thumbor | vipsthumbnail\n'
while IFS='|' read -r name a b c; do printf '%-30s %12s | %8s | %s\n' "$name" "$a" "$b" "$c"; done <<<"$psnr"
echo "(mss 1 req and thumbor: wrk mean latency at one connection, keep-alive; vips CLI: median of 20 runs, process start included)"
