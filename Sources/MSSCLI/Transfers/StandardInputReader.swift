import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Standard input, read a part at a time. `read(2)` blocks until a writer sends or closes, so it
/// runs on NIO's blocking-work thread pool, never on a Swift concurrency thread; one part is
/// filled per hop to keep hops few.
struct StandardInputReader: Sendable {
    struct Part: Sendable {
        var bytes: ByteBuffer
        /// Standard input ended while (or before) filling this part.
        var ended: Bool
    }

    /// Up to `size` bytes; fewer only when standard input ended.
    func read(upTo size: Int) async throws -> Part {
        try await NIOThreadPool.singleton.runIfActive {
            var buffer = ByteBufferAllocator().buffer(capacity: size)
            while buffer.readableBytes < size {
                let wanted = size - buffer.readableBytes
                var failure: Int32 = 0
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { space in
                    let result = Glibc.read(STDIN_FILENO, space.baseAddress, min(wanted, space.count))
                    if result < 0 { failure = errno }
                    return max(0, result)
                }
                if failure == EINTR { continue }
                if failure != 0 { throw CLIError("cannot read standard input: \(String(cString: strerror(failure)))") }
                if count == 0 { return Part(bytes: buffer, ended: true) }
            }
            return Part(bytes: buffer, ended: false)
        }
    }
}
