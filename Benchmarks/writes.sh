#!/usr/bin/env bash
# Prints the rate of 4 KiB PUTs to distinct keys from 32 connections (wrk over presigned URLs,
# not this project's client) against mss-server (release build), beside a single-threaded loop
# that writes, fsyncs and renames one 4 KiB file at a time on the same filesystem (the issue's
# reference; the goal is 2x it). Loop and server take turns, BENCH_ROUNDS times: loop, PUTs,
# loop, PUTs, ..., loop; each round's ratio is its PUTs over the mean of the loops on either side,
# and the median of the rounds is the result. Why turns: on this project's VMs the rate of either
# drifts by up to 2x within minutes (the host's reclaim of guest pages, the disk's flushes), so a
# single pair measures the moment as much as the code. The loop runs in a folder of its own: run
# in the server's `.mss/tmp`, its tens of thousands of files left that folder's blocks grown (ext4
# folders never shrink) and the server slower. Not a test: it asserts nothing and is not run by
# CI. The same PUTs then go to a server with its data on tmpfs, where flushes cost nothing: that
# rate is the server's CPU's ceiling on this machine, and the CPU each PUT took (the server's
# utime + stime over its run) shows what a change of code saved.
# On ext4 without a journal a run first waits until the last cleanup of a write benchmark on the
# same filesystem is six minutes old (lib/fresh-inodes.sh says why). It also prints what a new
# page costs the machine (in a VM, one the host has not backed yet costs several times one reused;
# lib/page-costs.sh says why), a cost of the server's PUTs that the loop hardly feels; and, after
# the rounds, what a new file the size of the server's documents costs the machine's CPU, beside
# the same bytes appended to one file (tools/document-files.c): what the server's document packs
# replaced (a file per key) beside what they cost.
#   BENCH_SECONDS (10) sets each run's length; BENCH_ROUNDS (3) the turns; BENCH_CONNECTIONS (32)
#   wrk's connections; BENCH_BIN a folder with a release mss-server already built; BENCH_DIR
#   (/tmp) the disk's folder; BENCH_NO_WAIT=1 skips the wait.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/lib/fresh-inodes.sh"
source "$(dirname "$0")/lib/page-costs.sh"
cd "$root"

# Checked before anything is installed or built. Bounded, so that the keys below cannot overflow.
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
if ! [[ $seconds =~ ^[1-9][0-9]{0,2}$ && $rounds =~ ^[1-9][0-9]?$ ]]; then
    echo "BENCH_SECONDS is a whole number of 1-999 and BENCH_ROUNDS of 1-99" >&2
    exit 2
fi
# Keys for a round: more than 20,000 PUTs a second could send (wrk's two threads each walk half).
keys=$((seconds * 20000 > 120000 ? seconds * 20000 : 120000))
require_swift
apt_install ca-certificates curl python3 gcc libc6-dev pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev wrk
ensure_venv
bin=$(release_bin mss-server)

parent=${BENCH_DIR:-/tmp}
inodes_warning=$(wait_for_fresh_inodes "$parent")
work=$(mktemp -d "$parent/mss-writes-bench.XXXXXX")
# A second server keeps its data in memory (tmpfs), where a flush costs nothing: its rate is what
# the server's CPU allows, beside what the disk allows.
memory=$(mktemp -d /dev/shm/mss-writes-bench.XXXXXX)
trap 'stop_pids_in "$work"; stop_pids_in "$memory"; rm -rf "$memory"; remove_and_note "$parent" "$work"' EXIT
endpoint=$(start_mss_server "$bin/mss-server" "$work")
memory_endpoint=$(start_mss_server "$bin/mss-server" "$memory")

# Distinct keys for each round (paths-N), so that no key is written twice.
"$venv/bin/python" - "$endpoint" "$work" "$memory_endpoint" "$rounds" "$keys" <<'PY'
import sys
from urllib.parse import urlsplit
import boto3
s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
                  region_name="us-east-1")
s3.create_bucket(Bucket="writes")
# The same keys and secret: the URLs presigned for one server are valid on the other.
boto3.client("s3", endpoint_url=sys.argv[3], aws_access_key_id="BENCHKEY", aws_secret_access_key="bench-secret-key",
             region_name="us-east-1").create_bucket(Bucket="writes")
for round in range(1, int(sys.argv[4]) + 1):
    with open(f"{sys.argv[2]}/paths-{round}", "w") as out:
        for i in range(int(sys.argv[5])):
            url = urlsplit(s3.generate_presigned_url("put_object", Params={"Bucket": "writes", "Key": f"w{round}/{i:07d}"}, ExpiresIn=7200))
            out.write(f"{url.path}?{url.query}\n")
PY

# Seconds of CPU the process PID has used (user and system).
cpu_seconds() {
    awk -v ticks="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / ticks}' "/proc/$1/stat"
}

# Runs wrk's PUTs of PATHS against ENDPOINT, whose server's pid file is in DIR; prints its output
# and, last, the server's CPU microseconds per request.
put_run() {
    local endpoint=$1 dir=$2 paths=$3 pid before after out
    pid=$(cat "$dir/server.pid")
    before=$(cpu_seconds "$pid")
    out=$(PUT_PATHS="$paths" PUT_THREADS=2 wrk -t2 -c"$connections" -d"${seconds}s" -s "$root/Benchmarks/lua/presigned-put.lua" "$endpoint" 2>&1)
    after=$(cpu_seconds "$pid")
    echo "$out"
    echo "$out" | awk -v a="$before" -v b="$after" '/requests in/ {printf "server-cpu-us-per-request %.0f\n", (b - a) * 1e6 / $1}'
}

fsync_loop() {
    mkdir -p "$work/$1"
    python3 - "$work/$1" "$seconds" <<'PY'
import os, sys, time
folder, seconds = sys.argv[1], float(sys.argv[2])
data = os.urandom(4096)
count, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    temporary = f"{folder}/bench-loop-{count}"
    descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.write(descriptor, data)
    os.fsync(descriptor)
    os.close(descriptor)
    os.rename(temporary, f"{folder}/bench-loop-done-{count}")
    count += 1
print(f"{count / (time.monotonic() - start):.0f}")
PY
}

cc -O2 -Wall -o "$work/page-touch" "$root/Benchmarks/tools/page-touch.c"
cc -O2 -Wall -o "$work/document-files" "$root/Benchmarks/tools/document-files.c"
# Before the rounds: what the pages they take will cost.
page_costs=$("$work/page-touch" 512)
read -r first_touch reuse <<< "$page_costs"
loops=("$(fsync_loop loop-0)")
wrk_outs=()
for round in $(seq "$rounds"); do
    wrk_outs+=("$(put_run "$endpoint" "$work" "$work/paths-$round")")
    loops+=("$(fsync_loop "loop-$round")")
done
memory_out=$(put_run "$memory_endpoint" "$memory" "$work/paths-1")
# After the rounds, so that its new files cannot slow them, and with the servers stopped, as it
# counts the whole machine's CPU: what a file per key costs this filesystem, for a document of the
# size the server wrote, beside the appends its packs make instead. Three times, and the least is printed: other work of the kernel (the
# writeback of what came before, the VM's reporting of the memory the servers freed) only ever
# adds to a run, by up to 2x for the files and 8x for the appends, which take a tenth of a second.
stop_pids_in "$work"
stop_pids_in "$memory"
# Each run waits until the machine is quiet (under a tenth of its CPU busy for a second, 30 s at
# most): the kernel goes on for seconds with what the servers, or the run before, left (writeback,
# freeing), which would count as the new files' cost.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
wait_until_quiet() {
    local before
    for _ in $(seq 30); do
        before=$(busy_ticks)
        sleep 1
        (( ($(busy_ticks) - before) * 10 < $(getconf CLK_TCK) * $(nproc) )) && return
    done
}
# The size of a 4 KiB object's document, as the server writes it: the first entry of the bucket's
# document pack (a 16-byte header whose bytes 4-7 are the payload's length: the key's 64-byte hash
# and the document).
pack=$(find "$work/data/buckets/writes/packs" -name '*.pack' -print -quit)
document_bytes=$(( $(od -An -tu4 -j4 -N4 "$pack") - 64 ))
file_costs=()
packed_costs=()
for run in 1 2 3; do
    wait_until_quiet
    mkdir "$work/document-files-$run"
    document_costs=$("$work/document-files" "$work/document-files-$run" 20000 "$document_bytes")
    read -r file_cost packed_cost <<< "$document_costs"
    file_costs+=("$file_cost")
    packed_costs+=("$packed_cost")
done
rate() { awk '/Requests\/sec/ {printf "%.0f", $2}'; }
cpu() { awk '/server-cpu-us-per-request/ {print $2}'; }
# wrk prints "Non-2xx or 3xx responses: N" only when there were some.
refused=$(printf '%s\n' "${wrk_outs[@]}" "$memory_out" | awk '/Non-2xx/ {n += $NF} END {print n + 0}')
echo "$(nproc) cores, $connections connections, ${seconds}s runs, $rounds rounds; $(filesystem_kind "$work") on $(findmnt -no SOURCE -T "$work" | head -1)"
echo "a 4 KiB page of free memory took $first_touch us to touch first, and $reuse us once reused (tools/page-touch.c, 512 MiB, before the rounds)"
state=$(page_reporting_state)
[ -z "$state" ] || echo "$state"
printf '%-52s %8s /s\n' "write+fsync+rename loop, 1 thread, first" "${loops[0]}"
ratios=()
for round in $(seq "$rounds"); do
    out=${wrk_outs[round - 1]}
    puts=$(echo "$out" | rate)
    ratio=$(awk -v p="$puts" -v a="${loops[round - 1]}" -v b="${loops[round]}" 'BEGIN { printf "%.2f", p / ((a + b) / 2) }')
    ratios+=("$ratio")
    printf '%-52s %8s /s  %s us CPU each, %sx\n' "round $round: 4 KiB PUTs, distinct keys (wrk, presigned)" "$puts" "$(echo "$out" | cpu)" "$ratio"
    printf '%-52s %8s /s\n' "write+fsync+rename loop, 1 thread, after round $round" "${loops[round]}"
done
printf '%-52s %8s /s  %s us CPU each\n' "the same PUTs, data on tmpfs (no disk wait)" "$(echo "$memory_out" | rate)" "$(echo "$memory_out" | cpu)"
least() { tr ' ' '\n' | sort -n | head -1; }
printf '%-52s %8s us CPU each (least of runs %s; appended to one file: %s us, of %s)\n' "a new file of $document_bytes bytes (a document), syncfs" \
    "$(echo "${file_costs[*]}" | least)" "${file_costs[*]}" "$(echo "${packed_costs[*]}" | least)" "${packed_costs[*]}"
printf '%-52s %8s\n' "non-2xx answers" "$refused"
mapfile -t sorted < <(printf '%s\n' "${ratios[@]}" | sort -n)
printf '%-52s %8.2fx  (rounds %s-%sx)\n' "ratio to the loop, median of the rounds" "$(echo "${ratios[*]}" | median)" "${sorted[0]}" "${sorted[-1]}"
[ -z "$inodes_warning" ] || echo "$inodes_warning"
# A wrk thread that ran out of keys of its own overwrote others' (presigned-put.lua says so).
printf '%s\n' "${wrk_outs[@]}" "$memory_out" | grep '^warning:' | sort -u || true
# ext4 without a journal slows every new file for up to six minutes after files were deleted
# (README, "Last write figures"), and a VM's fsync rate drifts: a round whose loops on either side
# differ this much says nothing.
for round in $(seq "$rounds"); do
    awk -v a="${loops[round - 1]}" -v b="${loops[round]}" -v r="$round" 'BEGIN {
        if (a > 1.3 * b || b > 1.3 * a)
            printf "warning: the loops around round %d differ by more than 30%% (files deleted on this filesystem in the last six minutes, or a drifting disk): that round is not a result\n", r
    }'
done
