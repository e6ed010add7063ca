import NIOCore
import NIOFileSystem

extension BufferedWriter where Handle == WriteFileHandle {
    /// Writes `piece` of a body as it goes to disk: through `sealer` when the object is
    /// encrypted (only the chunks the piece completes, so plaintext never reaches the file), as
    /// is otherwise. The caller writes `sealer.finish()` after the last piece.
    mutating func write(_ piece: ByteBuffer, sealingWith sealer: inout SegmentSealer?) async throws {
        guard sealer != nil else {
            try await write(contentsOf: piece)
            return
        }
        let sealed = try piece.withUnsafeReadableBytes { try sealer?.append($0) } ?? []
        if !sealed.isEmpty { try await write(contentsOf: sealed) }
    }
}
