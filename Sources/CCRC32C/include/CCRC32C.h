// CRC-32C (Castagnoli) with the processor's own instruction (SSE 4.2's crc32 on x86-64), which
// Swift cannot name: the write-ahead log checksums every record with it, and S3 bodies may carry
// it (x-amz-checksum-crc32c). Eight bytes a step instead of a table lookup a byte.
#ifndef MSS_CCRC32C_H
#define MSS_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when `mss_crc32c_update` may be called on this processor, 0 when it may not (then the
/// caller computes the CRC in software).
int mss_crc32c_hardware(void);

/// Runs CRC-32C's register `state` (kept inverted, as a table-driven CRC keeps it) over `count`
/// bytes at `bytes` and returns the new register. Only where `mss_crc32c_hardware()` is 1.
uint32_t mss_crc32c_update(uint32_t state, const void *bytes, size_t count);

#endif
