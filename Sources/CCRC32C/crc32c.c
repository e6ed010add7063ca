#include <string.h>
#include "CCRC32C.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

int mss_crc32c_hardware(void) {
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

// Compiled for SSE 4.2 alone, so the rest of the package keeps running on any x86-64; callers
// ask mss_crc32c_hardware() first.
__attribute__((target("sse4.2")))
uint32_t mss_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    const unsigned char *next = bytes;
    uint64_t crc = state;
    while (count > 0 && ((uintptr_t)next & 7) != 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *next++);
        count--;
    }
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, next, 8);
        crc = _mm_crc32_u64(crc, word);
        next += 8;
        count -= 8;
    }
    while (count > 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *next++);
        count--;
    }
    return (uint32_t)crc;
}

#else
// Elsewhere (64-bit Arm has an instruction too, not used yet) the table code computes it.
int mss_crc32c_hardware(void) {
    return 0;
}

uint32_t mss_crc32c_update(uint32_t state, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return state;
}
#endif
