import Crypto
import NIOCore
import _NIOFileSystem

/// Digests of files and file regions, read in 1 MiB chunks without blocking a thread.
public enum FileDigest {
    /// The binary MD5 of `path`, or of the bytes in `range` of it. Throws what the file system
    /// threw (no such file, not readable).
    public static func md5(ofFile path: String, range: Range<Int64>? = nil) async throws -> [UInt8] {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            var md5 = Insecure.MD5()
            for try await chunk in handle.readChunks(in: range ?? 0..<Int64.max, chunkLength: .mebibytes(1)) {
                chunk.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
            }
            return Array(md5.finalize())
        }
    }
}
