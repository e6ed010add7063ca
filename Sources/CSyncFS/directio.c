#define _GNU_SOURCE
#include <fcntl.h>
#include "CSyncFS.h"

int mss_direct_io_flag(void) {
#ifdef O_DIRECT
    return O_DIRECT;
#else
    return 0;
#endif
}
