// Opens libvips at its first use instead of linking it. libvips brings about a hundred shared
// libraries (cairo, pango, HDF5, OpenEXR, curl, Kerberos...), and loading them took 36 ms of
// every `mss` command's start, the embedded server linked in or not; now only a process that
// renders an image pays for them.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <vips/vips.h>

#include "CVipsFunctions.h"

#define MSS_VIPS_DEFINE(name) __typeof__(name) *mss_vips_##name = NULL;
MSS_VIPS_FUNCTIONS(MSS_VIPS_DEFINE)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *failure = NULL;
static char message[512];

static void load(void) {
    // The ABI's soname first (libvips 8.x on Linux), then the development link, then macOS's.
    static const char *const names[] = {"libvips.so.42", "libvips.so", "libvips.42.dylib", "libvips.dylib"};
    void *handle = NULL;
    for (size_t index = 0; index < sizeof names / sizeof names[0] && !handle; index++) {
        // Global, as a linked libvips was: the modules it loads itself (HEIF, ImageMagick) may
        // look its symbols up.
        handle = dlopen(names[index], RTLD_NOW | RTLD_GLOBAL);
    }
    if (!handle) {
        const char *reason = dlerror();
        snprintf(message, sizeof message, "cannot open libvips: %s", reason ? reason : "not found");
        failure = message;
        return;
    }
#define MSS_VIPS_RESOLVE(name)                                                          \
    if (!(mss_vips_##name = (__typeof__(name) *)dlsym(handle, #name))) {                \
        snprintf(message, sizeof message, "the libvips found has no %s", #name);        \
        failure = message;                                                              \
        return;                                                                         \
    }
    MSS_VIPS_FUNCTIONS(MSS_VIPS_RESOLVE)
}

const char *mss_vips_load(void) {
    pthread_once(&once, load);
    return failure;
}

void mss_vips_require(void) {
    const char *problem = mss_vips_load();
    if (problem) {
        fprintf(stderr, "%s\n", problem);
        abort();
    }
}
