import MSS
import NIOCore

/// `mss cp mss://bucket/key -`: the object's bytes to standard output as they arrive, with the
/// network's back-pressure and no temporary file. A reader that goes away ends the process
/// quietly, as `StandardStream` does for every command.
enum StreamDownload {
    /// Returns the number of bytes written.
    static func run(_ key: Key, versionID: String?, customerKey: CustomerKey? = nil) async throws -> Int64 {
        try await key.read(versionID: versionID, customerKey: customerKey) { _, bytes in
            var written: Int64 = 0
            for try await chunk in bytes {
                chunk.withUnsafeReadableBytes { StandardStream.output.write($0.bindMemory(to: UInt8.self)) }
                written += Int64(chunk.readableBytes)
            }
            return written
        }
    }
}
