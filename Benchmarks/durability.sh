#!/usr/bin/env bash
# What the data disk allows for 4 KiB writes, without HTTP: the issue's reference loop beside
# mss-server's former durability protocol (two shared flushes per write) and its write-ahead log, each
# from 32 threads in C (`durability/protocols.c` says what each does). `writes.sh` measures the
# server; this says how high its protocol could go on the same disk. Not a test, not run by CI.
#   BENCH_SECONDS (5) sets each run's length, BENCH_RUNS (3) the runs of each, BENCH_DIR where;
#   BENCH_NO_WAIT=1 skips the wait after another write benchmark's cleanup (lib/fresh-inodes.sh).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$(dirname "$0")/lib/fresh-inodes.sh"
cd "$root"

command -v cc >/dev/null || apt_install gcc libc6-dev
seconds=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-3}
parent=${BENCH_DIR:-/tmp}
inodes_warning=$(wait_for_fresh_inodes "$parent")
work=$(mktemp -d "$parent/mss-durability-bench.XXXXXX")
trap 'remove_and_note "$parent" "$work"' EXIT
cc -O2 -Wall -pthread -o "$work/protocols" Benchmarks/durability/protocols.c

# Every run in a folder of its own, all kept until the end: ext4 scans past the inodes of files
# deleted in the last minutes whenever it makes a new one, so cleaning up between runs would
# slow whichever ran next.
declare -A rate flushes
for run in $(seq "$runs"); do
    for mode in loop store log append; do
        threads=32
        [ "$mode" = loop ] && threads=1
        read -r r f < <("$work/protocols" "$work/$mode-$run" "$mode" "$seconds" "$threads")
        rate[$mode]+=" $r"
        flushes[$mode]+=" $f"
    done
done
echo "$(nproc) cores; $(filesystem_kind "$work") on $(findmnt -no SOURCE -T "$work" | head -1); ${seconds}s runs, median of $runs"
[ -z "$inodes_warning" ] || echo "$inodes_warning"
loop=$(echo "${rate[loop]}" | median)
printf '%-62s %8s /s\n' "write+fsync+rename loop, 1 thread (the issue's reference)" "$loop"
for mode in store log append; do
    label=$(case $mode in
        store) echo "former store protocol, 32 threads (two shared syncfs per write)" ;;
        log) echo "write-ahead log + files, 32 threads (one shared fdatasync)" ;;
        append) echo "write-ahead log alone, 32 threads" ;;
    esac)
    value=$(echo "${rate[$mode]}" | median)
    printf '%-62s %8s /s  %5.2fx\n' "$label" "$value" "$(awk -v a="$value" -v b="$loop" 'BEGIN { print a / b }')"
done
echo "each run (writes/s):"
for mode in loop store log append; do echo "  $mode:${rate[$mode]}  (flushes:${flushes[$mode]})"; done
