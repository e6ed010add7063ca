import Foundation
import Synchronization

extension UUID {
    /// A random (version 4) UUID from the kernel's random source, drawn ahead (``RandomWords``).
    /// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on Linux each time: three
    /// file-table changes per id, which 32 writers at once make a tenth of a small PUT's time
    /// (a PUT takes up to three ids: the received body's file, the version, the document's
    /// staging file).
    static func random() -> UUID {
        let (high, low) = RandomWords.shared.pair()
        var bytes = uuid_t(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { buffer in
            buffer.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
            // RFC 9562: version 4 in the high nibble of byte 6, variant 0b10 in byte 8.
            buffer[6] = buffer[6] & 0x0F | 0x40
            buffer[8] = buffer[8] & 0x3F | 0x80
        }
        return UUID(uuid: bytes)
    }
}

/// Random 64-bit words from `arc4random_buf` (the kernel's `getrandom(2)` on Linux), fetched
/// 4 KiB at a time. `SystemRandomNumberGenerator` makes a system call for every word: two per
/// id, a visible part of a small PUT's kernel time with 32 writers. The words are as random;
/// they only wait in memory until used, and each is handed out once.
final class RandomWords: Sendable {
    static let shared = RandomWords()

    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private let pool = Mutex(Pool())

    /// Two fresh words.
    func pair() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.next + 2 > pool.words.count {
                pool.words.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
                pool.next = 0
            }
            defer { pool.next += 2 }
            return (pool.words[pool.next], pool.words[pool.next + 1])
        }
    }
}
