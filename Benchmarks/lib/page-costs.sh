# Sourced by benchmarks whose figures depend on how cheaply the kernel gets a page (writes.sh).
#
# Why: in a VM, a page of the guest's free memory that the host has not backed yet, or has taken
# back (free page reporting, through the balloon device), is faulted in by the host the first time
# the guest touches it. On this project's 2-core VMs, on 2026-12-04, in the first hour after boot,
# that cost 10.1-11.5 us a 4 KiB page, and a page touched again right after being freed 1.3-2.1 us
# (tools/page-touch.c); later, once most of the memory had been used, 1.5 us either way. A
# server's PUTs take new pages all the time (the page cache of new files, slabs for their inodes):
# on a fresh VM the first profile of 4 KiB PUTs found 14% of the server's time in the kernel's
# first writes to such pages (copy_folio_from_iter_atomic, memset, clear_page), and that share was
# gone once the VM's memory had been used. A loop that waits on fsync hardly notices. The VM
# reports only free blocks of 32 pages and more (order 5): in alternated 8 s runs of 4 KiB PUTs to
# a server on tmpfs, reporting paused (order 10) ran 2-4% faster (three pairs), so what matters is
# whether the memory was ever used, which a run prints.

# A line saying how this machine reports free pages to a host; empty where it does not.
page_reporting_state() {
    local parameters=/sys/module/page_reporting/parameters line
    [ -r "$parameters/page_reporting_order" ] || return 0
    line="free page reporting to the VM's host: free blocks of order $(cat "$parameters/page_reporting_order") and up"
    [ -r "$parameters/reported_kib" ] && line+=", $(($(cat "$parameters/reported_kib") >> 20)) GiB reported since boot"
    echo "$line"
}
