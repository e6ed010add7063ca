// What this disk allows, without HTTP: the rate of 4 KiB writes under each way of making them
// durable, so `writes.sh`'s figure can be read against the ceiling of the store's protocols.
//   protocols DIR MODE SECONDS THREADS
// Modes:
//   loop   the reference: one thread writes, fsyncs and renames one file at a time.
//   store  mss-server's protocol: each write makes a body file and a document in .mss/tmp,
//          renames the body into a shard folder, waits for a shared flush (syncfs), renames
//          the document into place and waits for a second shared flush before it counts.
//   log    a write-ahead log: each write appends its body and document to one preallocated
//          log file, and counts once a shared fdatasync covers it; then writes its two files
//          without any flush of their own (a checkpoint would flush them later).
//   append the log alone, without the files.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *base, *mode;
static char body[4096];
static char document[300];
static int directory, logFile;
static double stopAt;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static unsigned long started, finished, flushes, total;
static off_t logEnd;
static const off_t logSize = 256 << 20;
static unsigned long appended, durable;
static int flushing;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void writeFile(const char *path, const char *bytes, size_t count, int synchronize) {
    int descriptor = open(path, O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0600);
    if (descriptor < 0 || write(descriptor, bytes, count) != (ssize_t)count) { perror(path); exit(1); }
    if (synchronize) fsync(descriptor);
    close(descriptor);
}

// The store's DurabilityBarrier: a caller waits for a flush that starts after it arrived.
static void sharedFlush(void) {
    pthread_mutex_lock(&lock);
    unsigned long needed = started + 1;
    while (finished < needed) {
        if (started != finished) { pthread_cond_wait(&changed, &lock); continue; }
        unsigned long number = ++started;
        pthread_mutex_unlock(&lock);
        syncfs(directory);
        pthread_mutex_lock(&lock);
        flushes++;
        finished = number;
        pthread_cond_broadcast(&changed);
    }
    pthread_mutex_unlock(&lock);
}

// Group commit of a log: appends in order, one fdatasync covers everyone waiting.
static void logAppend(void) {
    pthread_mutex_lock(&lock);
    // The log is reused from its start when full: a checkpoint's work, left out here.
    if (logEnd + (off_t)(sizeof body + sizeof document) > logSize) logEnd = 0;
    off_t at = logEnd;
    logEnd += sizeof body + sizeof document;
    unsigned long mine = ++appended;
    pthread_mutex_unlock(&lock);
    pwrite(logFile, body, sizeof body, at);
    pwrite(logFile, document, sizeof document, at + sizeof body);
    pthread_mutex_lock(&lock);
    while (durable < mine) {
        if (flushing) { pthread_cond_wait(&changed, &lock); continue; }
        flushing = 1;
        unsigned long covered = appended;
        pthread_mutex_unlock(&lock);
        fdatasync(logFile);
        pthread_mutex_lock(&lock);
        flushes++;
        durable = covered;
        flushing = 0;
        pthread_cond_broadcast(&changed);
    }
    pthread_mutex_unlock(&lock);
}

static void *worker(void *argument) {
    long thread = (long)argument;
    char a[512], b[512], c[512];
    unsigned long count = 0;
    while (now() < stopAt) {
        unsigned long i = count++;
        unsigned shard = (unsigned)((thread * 7919 + i * 104729) % 256);
        if (!strcmp(mode, "loop")) {
            snprintf(a, sizeof a, "%s/tmp/%ld-%lu", base, thread, i);
            snprintf(b, sizeof b, "%s/s%02x/%ld-%lu", base, shard, thread, i);
            writeFile(a, body, sizeof body, 1);
            rename(a, b);
        } else if (!strcmp(mode, "store")) {
            snprintf(a, sizeof a, "%s/tmp/%ld-%lu", base, thread, i);
            snprintf(b, sizeof b, "%s/s%02x/%ld-%lu.data", base, shard, thread, i);
            writeFile(a, body, sizeof body, 0);
            rename(a, b);
            snprintf(a, sizeof a, "%s/tmp/%ld-%lu.json", base, thread, i);
            writeFile(a, document, sizeof document, 0);
            sharedFlush();
            snprintf(c, sizeof c, "%s/s%02x/%ld-%lu.json", base, shard, thread, i);
            rename(a, c);
            sharedFlush();
        } else {
            logAppend();
            if (!strcmp(mode, "log")) {
                snprintf(b, sizeof b, "%s/s%02x/%ld-%lu.data", base, shard, thread, i);
                writeFile(b, body, sizeof body, 0);
                snprintf(a, sizeof a, "%s/s%02x/%ld-%lu.tmp", base, shard, thread, i);
                writeFile(a, document, sizeof document, 0);
                snprintf(c, sizeof c, "%s/s%02x/%ld-%lu.json", base, shard, thread, i);
                rename(a, c);
            }
        }
    }
    pthread_mutex_lock(&lock);
    total += count;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s DIR loop|store|log|append SECONDS THREADS\n", argv[0]); return 2; }
    base = argv[1];
    mode = argv[2];
    double seconds = atof(argv[3]);
    int threads = atoi(argv[4]);
    if (threads < 1 || threads > 256 || seconds <= 0) { fprintf(stderr, "bad arguments\n"); return 2; }
    char path[512];
    mkdir(base, 0700);
    snprintf(path, sizeof path, "%s/tmp", base);
    mkdir(path, 0700);
    for (int shard = 0; shard < 256; shard++) {
        snprintf(path, sizeof path, "%s/s%02x", base, shard);
        mkdir(path, 0700);
    }
    memset(body, 'b', sizeof body);
    memset(document, 'd', sizeof document);
    directory = open(base, O_RDONLY | O_DIRECTORY);
    if (!strcmp(mode, "log") || !strcmp(mode, "append")) {
        // Written once, so that appends overwrite allocated blocks and fdatasync writes no metadata.
        snprintf(path, sizeof path, "%s/log", base);
        logFile = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        static char zeros[1 << 20];
        for (off_t written = 0; written < logSize; written += sizeof zeros) {
            if (write(logFile, zeros, sizeof zeros) != (ssize_t)sizeof zeros) { perror(path); return 1; }
        }
        fsync(logFile);
    }
    pthread_t running[256];
    double start = now();
    stopAt = start + seconds;
    for (long thread = 0; thread < threads; thread++) pthread_create(&running[thread], NULL, worker, (void *)thread);
    for (int thread = 0; thread < threads; thread++) pthread_join(running[thread], NULL);
    printf("%.0f %lu\n", total / (now() - start), flushes);
    return 0;
}
