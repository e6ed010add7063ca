// syncfs(2), which Swift's Glibc module leaves out (it is declared only under _GNU_SOURCE): the
// store's group commit flushes the whole filesystem of its data directory in one call.
#ifndef MSS_CSYNCFS_H
#define MSS_CSYNCFS_H

/// 1 where `mss_syncfs` flushes a whole filesystem (Linux), 0 where it always fails with ENOSYS.
int mss_syncfs_available(void);

/// syncfs(2) on `descriptor`'s filesystem: 0, or -1 with errno set (ENOSYS off Linux).
int mss_syncfs(int descriptor);

#endif
