import Foundation

extension UUID {
    /// A random (version 4) UUID drawn from `SystemRandomNumberGenerator`, that is `getrandom(2)`.
    /// Foundation's `UUID()` opens, reads and closes `/dev/urandom` on Linux each time: three
    /// file-table changes per id, which 32 writers at once make a tenth of a small PUT's time
    /// (three ids each: the received body's file, the version, the document's staging file).
    static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
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
