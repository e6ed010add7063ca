import Foundation

#if canImport(CNIOLinux)
// `struct stat` reaches this module through NIO's C shim on Linux, and its members are only
// visible where that module is imported (MemberImportVisibility).
import CNIOLinux
#endif

/// Reading a small file whole in one go, for uploads of many small files: open, size, read and
/// close, without separate trips for the size and the bytes.
enum SmallFileRead {
    /// The bytes of the regular file at `path`, or nil when it holds more than `limit`.
    static func contents(of path: String, limit: Int) throws -> Data? {
        // `lstat`, as `FileManager.attributesOfItem` (which this was) does: a link is not a
        // regular file. That call also looked up the owner's and group's names, 6% of an
        // upload of many small files.
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw MSSClientError(.fileError, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw MSSClientError(.fileError, "not a regular file: \(path)") }
        let size = Int64(status.st_size)
        // Non-blocking, so that a named pipe put where the file was is refused, not waited on.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw MSSClientError(.fileError, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        // Room for one byte more than the size told, to notice a file that grew since.
        var data = Data(count: Int(min(Int64(limit), max(0, size))) + 1)
        var filled = 0
        while filled <= limit {
            if filled == data.count { data.count = min(limit + 1, data.count * 2) }
            let room = data.count - filled
            let count = data.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, room) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MSSClientError(.fileError, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { return nil }
        data.count = filled
        return data
    }
}
