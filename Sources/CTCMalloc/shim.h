// gperftools' TCMalloc (the minimal build, without its profilers): linked into mss-server for
// its malloc and free, which replace glibc's for the whole process.
#ifndef MSS_CTCMALLOC_SHIM_H
#define MSS_CTCMALLOC_SHIM_H

#include <gperftools/tcmalloc.h>

#endif
