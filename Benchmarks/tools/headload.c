/* HEAD requests/s over keep-alive connections: CONNECTIONS threads, each with one blocking
 * connection, sending HEAD and reading each answer's head (a HEAD answer has no body, whatever
 * its Content-Length says; wrk 4.1 waits for that body, and ab speaks HTTP/1.0, whose keep-alive
 * mss-server does not answer).
 * Usage: headload HOST PORT PATH CONNECTIONS SECONDS. Prints the rate, and the count of answers
 * that were not 2xx to stderr. Benchmarks only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in address;
static char request[1024];
static size_t requestLength;
static atomic_long done, failed;
static atomic_int stop;

static int connectOnce(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { close(fd); return -1; }
    return fd;
}

static void *run(void *unused) {
    (void)unused;
    char buffer[8192];
    int fd = connectOnce();
    while (!atomic_load(&stop)) {
        if (fd < 0) { atomic_fetch_add(&failed, 1); fd = connectOnce(); continue; }
        if (write(fd, request, requestLength) != (ssize_t)requestLength) { close(fd); fd = -1; continue; }
        size_t have = 0;
        int ok = 0;
        for (;;) {
            ssize_t got = read(fd, buffer + have, sizeof buffer - 1 - have);
            if (got <= 0) break;
            have += (size_t)got;
            buffer[have] = 0;
            if (strstr(buffer, "\r\n\r\n")) { ok = 1; break; }
            if (have >= sizeof buffer - 1) break;
        }
        /* A server may close a kept-alive connection between answers (nginx after 1,000): reconnect. */
        if (!ok) { close(fd); fd = -1; if (have > 0) atomic_fetch_add(&failed, 1); continue; }
        if (strncmp(buffer + 8, " 2", 2) != 0) atomic_fetch_add(&failed, 1);
        atomic_fetch_add(&done, 1);
    }
    if (fd >= 0) close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: headload HOST PORT PATH CONNECTIONS SECONDS\n"); return 2; }
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[2]));
    inet_pton(AF_INET, argv[1], &address.sin_addr);
    requestLength = (size_t)snprintf(request, sizeof request, "HEAD %s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", argv[3], argv[1], argv[2]);
    int connections = atoi(argv[4]);
    int seconds = atoi(argv[5]);
    pthread_t *threads = calloc((size_t)connections, sizeof *threads);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < connections; i++) pthread_create(&threads[i], NULL, run, NULL);
    sleep((unsigned)seconds);
    atomic_store(&stop, 1);
    for (int i = 0; i < connections; i++) pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double elapsed = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.2f\n", (double)atomic_load(&done) / elapsed);
    if (atomic_load(&failed) > 0) fprintf(stderr, "%ld answers not 2xx or failed\n", atomic_load(&failed));
    return 0;
}
