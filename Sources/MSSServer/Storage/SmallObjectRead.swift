import Foundation
import NIOCore

/// Reads the bytes of a small object (or range) with one open and one `pread` on ``StoreIO``'s
/// threads, answered as one buffer. Streaming through NIOFileSystem costs a thread-pool round trip
/// for the open, each chunk and the close: for a few KiB that was most of a GET's time.
enum SmallObjectRead {
    /// Ranges up to this many bytes are read whole; larger ones stream.
    static let limit: Int64 = 64 * 1024

    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    /// The bytes of `range` of the file at `path`; a file shorter than the range is a failure
    /// (its metadata promised the bytes).
    static func read(_ path: String, range: Range<Int64>) async throws -> ByteBuffer {
        let result = try await StoreIO.run { () -> Result<ByteBuffer, Failure> in
            readNow(path, range: range)
        }
        return try result.get()
    }

    /// Blocking; runs on StoreIO's threads only.
    private static func readNow(_ path: String, range: Range<Int64>) -> Result<ByteBuffer, Failure> {
        let count = Int(range.count)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(Failure(operation: "open", code: errno)) }
        defer { close(descriptor) }
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var failure: Failure? = nil
        let done = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            var filled = 0
            while filled < count {
                let got = pread(descriptor, base + filled, count - filled, off_t(range.lowerBound) + off_t(filled))
                if got > 0 {
                    filled += got
                } else if got < 0 && errno == EINTR {
                    continue
                } else {
                    failure = Failure(operation: got < 0 ? "pread" : "pread (file shorter than its metadata)", code: got < 0 ? errno : EIO)
                    break
                }
            }
            return filled
        }
        if let failure { return .failure(failure) }
        guard done == count else { return .failure(Failure(operation: "pread", code: EIO)) }
        return .success(buffer)
    }
}
