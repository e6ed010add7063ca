import CTCMalloc

/// The allocator mss-server runs on: gperftools' TCMalloc, linked in place of glibc's malloc.
///
/// Why: a stream of small requests allocates and frees tens of short-lived buffers each (bodies,
/// headers, documents, tasks) across a dozen threads, and glibc's per-thread arenas spent a tenth
/// of the server's time in malloc and free, taking chunks apart and consolidating them; with
/// TCMalloc's per-thread caches 4 KiB PUTs took 11% less CPU each (Benchmarks/writes.sh, README).
enum Allocator {
    /// The library's name and version (`gperftools 2.10`), which `mss-server --version` shows.
    /// Naming a symbol of the library also keeps a linker that drops unused libraries
    /// (`--as-needed`) from dropping it, which would leave glibc's malloc in place.
    static var description: String {
        String(cString: tc_version(nil, nil, nil))
    }
}
