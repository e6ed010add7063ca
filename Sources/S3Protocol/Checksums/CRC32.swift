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

    private static let ieeeTable = makeTable(Polynomial.ieee.reversed)
    private static let castagnoliTable = makeTable(Polynomial.castagnoli.reversed)

    private let table: [UInt32]
    private var state: UInt32 = 0xFFFF_FFFF

    public init(_ polynomial: Polynomial = .ieee) {
        table = polynomial == .ieee ? Self.ieeeTable : Self.castagnoliTable
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        state = crc
    }

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The value as S3 sends it: base64 of its four big-endian bytes.
    public var base64: String {
        let v = value
        let bytes: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        return Base64.encode(bytes)
    }

    private static func makeTable(_ polynomial: UInt32) -> [UInt32] {
        (0..<256).map { index in
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            return crc
        }
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
