// What Swift's Glibc module leaves out of the file-system calls (declared only under _GNU_SOURCE):
// syncfs(2), with which the store's group commit flushes the whole filesystem of its data
// directory in one call, and O_DIRECT, with which its write-ahead log appends.
#ifndef MSS_CSYNCFS_H
#define MSS_CSYNCFS_H

/// 1 where `mss_syncfs` flushes a whole filesystem (Linux), 0 where it always fails with ENOSYS.
int mss_syncfs_available(void);

/// syncfs(2) on `descriptor`'s filesystem: 0, or -1 with errno set (ENOSYS off Linux).
int mss_syncfs(int descriptor);

/// O_DIRECT where open(2) has it (Linux), else 0: writes then go through the page cache.
int mss_direct_io_flag(void);

#endif
