import CCRC32C

/// CRC-32 (IEEE, as zlib) and CRC-32C (Castagnoli), the checksums S3 carries in
/// `x-amz-checksum-crc32` and `x-amz-checksum-crc32c` as base64 of the big-endian value.
public struct CRC32: Sendable {
    public enum Polynomial: Sendable {
        case ieee
        case castagnoli

        var reversed: UInt32 {
            switch self {
            case .ieee: 0xEDB8_8320
            case .castagnoli: 0x82F6_3B78
            }
        }
    }

    private static let ieeeTables = makeTables(Polynomial.ieee.reversed)
    private static let castagnoliTables = makeTables(Polynomial.castagnoli.reversed)

    /// Eight tables of 256 entries back to back: table 0 is the byte-at-a-time one, table k
    /// advances a byte's contribution by k more bytes, so eight bytes take one step.
    private let tables: [UInt32]
    /// CRC-32C by the processor's instruction (`CCRC32C`) rather than the tables.
    private let inHardware: Bool
    private var state: UInt32 = 0xFFFF_FFFF

    static let hardwareCastagnoli = mss_crc32c_hardware() == 1

    public init(_ polynomial: Polynomial = .ieee) {
        self.init(polynomial, inHardware: polynomial == .castagnoli && Self.hardwareCastagnoli)
    }

    /// `inHardware` only where ``hardwareCastagnoli`` holds; tests compare the two ways.
    init(_ polynomial: Polynomial, inHardware: Bool) {
        tables = polynomial == .ieee ? Self.ieeeTables : Self.castagnoliTables
        self.inHardware = inHardware
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if inHardware {
            if let base = bytes.baseAddress { state = mss_crc32c_update(state, base, bytes.count) }
            return
        }
        var crc = state
        tables.withUnsafeBufferPointer { table in
            var index = 0
            let count = bytes.count
            // Slicing by eight: every body a server checksums and every record of the write-ahead
            // log goes through here, and a byte at a time was a visible part of a small PUT.
            while count - index >= 8 {
                let low = crc ^ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                crc = table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) != nil { return }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The value as S3 sends it: base64 of its four big-endian bytes.
    public var base64: String {
        let v = value
        let bytes: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        return Base64.encode(bytes)
    }

    private static func makeTables(_ polynomial: UInt32) -> [UInt32] {
        var tables = (0..<256).map { index in
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            return crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables.append((previous >> 8) ^ tables[Int(previous & 0xFF)])
            }
        }
        return tables
    }
}

/// Standard base64, for the few places that must not pull in Foundation's `Data`.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
