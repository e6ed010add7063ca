#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include "CSyncFS.h"

int mss_syncfs_available(void) {
#ifdef __linux__
    return 1;
#else
    return 0;
#endif
}

int mss_syncfs(int descriptor) {
#ifdef __linux__
    return syncfs(descriptor);
#else
    (void)descriptor;
    errno = ENOSYS;
    return -1;
#endif
}
