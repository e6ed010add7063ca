# Sourced by the benchmarks that compare writes with the one-thread write+fsync+rename loop
# (writes.sh, durability.sh).
#
# Why: ext4 mounted without a journal (this project's 2-core VMs) checks every free inode it
# passes, when it makes a file, for a deletion time in the last minutes, and skips those. After
# a benchmark removed its tens of thousands of files, each new file of the next run scans past
# them: on 2026-12-04 that scan (`recently_deleted`, `find_inode_bit`) took 21% of the machine
# during the server's PUTs, which fell from 6,200 to 3,100/s, and the loop slowed too, by less,
# so the ratio between them rose and meant nothing. A run therefore waits until the last
# cleanup on its filesystem is six minutes old, and a cleanup notes its time.

# How the filesystem holding DIR journals: "ext4 without a journal", "ext4" or its type.
filesystem_kind() {
    local type source device
    type=$(findmnt -no FSTYPE -T "$1" | head -1)
    source=$(findmnt -no SOURCE -T "$1" | head -1)
    device=${source##*/}
    if [ "$type" = ext4 ] && [ -n "$device" ] && ! compgen -G "/proc/fs/jbd2/$device-*" > /dev/null; then
        echo "ext4 without a journal"
    else
        echo "$type"
    fi
}

# The file whose modification time is the last cleanup of a write benchmark on DIR's filesystem
# (named after its device number, so that runs in other folders of it see it too).
cleanup_marker() { echo "${TMPDIR:-/tmp}/mss-write-bench-cleanup.$(stat -c %d "$1")"; }

# Waits until the last cleanup noted for DIR's filesystem is six minutes old, when it is ext4
# without a journal; BENCH_NO_WAIT=1 skips the wait (the run then warns instead).
wait_for_fresh_inodes() {
    local dir=$1 marker last left
    marker=$(cleanup_marker "$dir")
    [ -f "$marker" ] && [ "$(filesystem_kind "$dir")" = "ext4 without a journal" ] || return 0
    last=$(stat -c %Y "$marker")
    left=$((last + 360 - $(date +%s)))
    [ "$left" -gt 0 ] || return 0
    if [ -n "${BENCH_NO_WAIT:-}" ]; then
        echo "warning: a write benchmark removed its files on this filesystem (ext4 without a journal) less than six minutes ago: new files are slower for ${left}s more"
        return 0
    fi
    log "waiting ${left}s: a write benchmark removed its files on the filesystem of $dir less than six minutes ago, and on ext4 without a journal every new file would scan past them"
    sleep "$left"
}

# Removes the benchmark's folders PATH..., which are on DIR's filesystem, and notes the time.
remove_and_note() {
    local dir=$1
    shift
    rm -rf "$@"
    touch "$(cleanup_marker "$dir")"
}
