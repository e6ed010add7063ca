import Foundation
import NIOCore
import NIOPosix

/// Writing a small body that is already in memory to its file in one trip to a thread pool:
/// create a temporary file beside it, write, close, rename over the target. A tree of small
/// downloads then costs one thread hop a file instead of one for each of open, write and close,
/// and the file still appears whole or not at all, as with NIO's transactional creation.
enum WholeFileWrite {
    /// Bodies up to this size are collected and written whole.
    static let limit: Int64 = 1 << 20

    static func replace(_ path: String, with bytes: ByteBuffer) async throws {
        let failure: String? = try await NIOThreadPool.singleton.runIfActive {
            let temporary = path + ".mss-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            // 0644 less the umask, NIO's default for new files.
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { return "cannot write \(path): \(String(cString: strerror(errno)))" }
            var problem: String?
            bytes.withUnsafeReadableBytes { buffer in
                var offset = 0
                while offset < buffer.count, let base = buffer.baseAddress {
                    let written = write(descriptor, base + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        problem = "cannot write \(path): \(String(cString: strerror(errno)))"
                        return
                    }
                    offset += written
                }
            }
            if close(descriptor) != 0, problem == nil { problem = "cannot write \(path): \(String(cString: strerror(errno)))" }
            if problem == nil, rename(temporary, path) != 0 { problem = "cannot write \(path): \(String(cString: strerror(errno)))" }
            if problem != nil { unlink(temporary) }
            return problem
        }
        if let failure { throw MSSClientError(.fileError, failure) }
    }
}
