// document-files DIR COUNT BYTES: what the machine's CPU spends to put COUNT documents of BYTES
// each on the filesystem of DIR, in microseconds a document: first as mss-server keeps them, a new
// file each, spread over 256 shard folders (mss-server's layout), then the same bytes appended to
// one file; each way followed by a syncfs, as the store's checkpoint does. The CPU is the whole
// machine's (/proc/stat), so the kernel's writeback threads count, not only this process. Run by
// writes.sh after its rounds, in its own folder: the difference between the two figures is what
// a file per key costs each PUT on this filesystem, which the server's tmpfs run does not pay.
// Writes only under DIR, which must exist; removes nothing.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// Busy ticks of all CPUs since boot (user, nice, system, irq, softirq), or -1.
static long long busy_ticks(void) {
    FILE *stat = fopen("/proc/stat", "r");
    if (!stat) return -1;
    long long user, nice, system, idle, iowait, irq, softirq;
    int read = fscanf(stat, "cpu %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system, &idle, &iowait, &irq, &softirq);
    fclose(stat);
    return read == 7 ? user + nice + system + irq + softirq : -1;
}

static int write_all(int descriptor, const char *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(descriptor, bytes, count);
        if (written < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        bytes += written;
        count -= (size_t)written;
    }
    return 0;
}

// Microseconds of the machine's CPU a document, to write `count` documents into `folder` (a new
// folder; a file each, or `packed` into one) and syncfs; -1 on any failure.
static double cost(const char *folder, long count, const char *bytes, size_t size, int packed) {
    char path[4096];
    if (mkdir(folder, 0700) != 0) return -1;
    if (!packed) {
        for (int shard = 0; shard < 256; shard++) {
            snprintf(path, sizeof path, "%s/%02x", folder, shard);
            if (mkdir(path, 0700) != 0) return -1;
        }
    }
    // What earlier work left dirty is written before the clock starts.
    sync();
    long long start = busy_ticks();
    int pack = -1;
    if (packed) {
        snprintf(path, sizeof path, "%s/documents", folder);
        pack = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
        if (pack < 0) return -1;
    }
    for (long index = 0; index < count; index++) {
        if (packed) {
            if (write_all(pack, bytes, size) != 0) {
                close(pack);
                return -1;
            }
            continue;
        }
        // Named as the store names documents: 64 hex digits and .json.
        snprintf(path, sizeof path, "%s/%02lx/%062lx%02lx.json", folder, index % 256, index, index % 256);
        int descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (descriptor < 0) return -1;
        int failed = write_all(descriptor, bytes, size);
        close(descriptor);
        if (failed) return -1;
    }
    if (pack >= 0) close(pack);
    int directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) return -1;
    int synced = syncfs(directory);
    close(directory);
    if (synced != 0) return -1;
    long long end = busy_ticks();
    if (start < 0 || end < 0) return -1;
    return (double)(end - start) * 1e6 / (double)sysconf(_SC_CLK_TCK) / (double)count;
}

// A whole number in [low, high], or -1.
static long bounded(const char *text, long low, long high) {
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    return (errno == 0 && *text != '\0' && *end == '\0' && value >= low && value <= high) ? value : -1;
}

int main(int argc, char **argv) {
    long count = argc == 4 ? bounded(argv[2], 1, 1000000) : -1;
    long size = argc == 4 ? bounded(argv[3], 1, 1 << 20) : -1;
    if (count < 0 || size < 0 || strlen(argv[1]) > 1024) {
        fprintf(stderr, "usage: document-files DIR COUNT (1-1000000) BYTES (1-1048576)\n");
        return 2;
    }
    char *bytes = malloc((size_t)size);
    if (!bytes) return 1;
    memset(bytes, 'x', (size_t)size);
    char files[1100], packed[1100];
    snprintf(files, sizeof files, "%s/files", argv[1]);
    snprintf(packed, sizeof packed, "%s/packed", argv[1]);
    double file_cost = cost(files, count, bytes, (size_t)size, 0);
    double packed_cost = file_cost < 0 ? -1 : cost(packed, count, bytes, (size_t)size, 1);
    free(bytes);
    if (file_cost < 0 || packed_cost < 0) {
        perror("document-files");
        return 1;
    }
    printf("%.1f %.1f\n", file_cost, packed_cost);
    return 0;
}
