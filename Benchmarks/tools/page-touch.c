// page-touch MIB: what a page costs this machine's kernel to hand out, in microseconds a 4 KiB
// page: first, MIB of pages taken from the free memory as it is now (in a VM that reports free
// pages to its host, most were handed back and are faulted in again by the host); then the same
// amount again at once, mostly the pages just freed, before any could be reported. The two
// figures side by side say how much of a server's time for new pages (page cache, slabs, socket
// buffers) is the VM's, not the server's. Used by writes.sh (lib/page-costs.sh says why).
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

// Maps `bytes`, writes one byte in each page, unmaps; returns microseconds a page, or -1.
static double touch(size_t bytes) {
    char *pages = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) return -1;
    // Page by page, as the page cache and slabs take them, not 2 MiB at a time.
    madvise(pages, bytes, MADV_NOHUGEPAGE);
    double start = seconds();
    for (size_t offset = 0; offset < bytes; offset += 4096) pages[offset] = 1;
    double elapsed = seconds() - start;
    munmap(pages, bytes);
    return elapsed * 1e6 / (double)(bytes / 4096);
}

int main(int argc, char **argv) {
    char *end = NULL;
    long mib = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || *end != '\0' || mib < 1 || mib > 4096) {
        // Bounded: the pages are all touched at once, and more than the free memory would swap or
        // wake the OOM killer.
        fprintf(stderr, "usage: page-touch MIB (1-4096)\n");
        return 2;
    }
    size_t bytes = (size_t)mib << 20;
    double first = touch(bytes), again = touch(bytes);
    if (first < 0 || again < 0) {
        perror("mmap");
        return 1;
    }
    printf("%.2f %.2f\n", first, again);
    return 0;
}
