import Crypto
public import Foundation

/// The digests S3 puts in headers, in the encodings S3 expects them.
public enum Digests {
    /// SHA-256 of nothing, the `x-amz-content-sha256` of an empty body.
    public static let emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public static func sha256Hex<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    public static func md5Base64<D: DataProtocol>(_ data: D) -> String {
        Data(Insecure.MD5.hash(data: data)).base64EncodedString()
    }

    public static func md5Hex<D: DataProtocol>(_ data: D) -> String {
        hex(Insecure.MD5.hash(data: data))
    }

    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        // Written straight into the string's storage: every PUT hexes an MD5 and a key's hash.
        if let contiguous = bytes as? any ContiguousBytes { return contiguous.withUnsafeBytes { hex(buffer: $0) } }
        return Array(bytes).withUnsafeBytes { hex(buffer: $0) }
    }

    private static func hex(buffer: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 2 * buffer.count) { out in
            for (index, byte) in buffer.enumerated() {
                out[2 * index] = hexDigit(byte >> 4)
                out[2 * index + 1] = hexDigit(byte & 0x0F)
            }
            return 2 * buffer.count
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 48 + value : 87 + value
    }

    /// Whether `text` is a SHA-256 in lower-case hex, as `x-amz-content-sha256` carries it.
    public static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// Compares two strings in time that depends only on their lengths, so a verifier leaks nothing
    /// about how much of a forged signature was right.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for index in a.indices { diff |= a[index] ^ b[index] }
        return diff == 0
    }

    /// The bytes of a hex string (either case); nil for an odd length or anything not hex.
    public static func bytes(fromHex hex: some StringProtocol) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// The ETag S3 gives an object completed from parts with these ETags (quoted or not): the MD5
    /// of their binary MD5s, a dash and their count; nil when one is not a plain MD5 (an
    /// encrypted or itself composite part).
    public static func multipartETag(partETags: [String]) -> String? {
        var digests: [UInt8] = []
        for etag in partETags {
            let plain = etag.utf8.first == UInt8(ascii: "\"") && etag.utf8.last == UInt8(ascii: "\"") && etag.utf8.count >= 2
                ? etag.dropFirst().dropLast() : Substring(etag)
            guard plain.utf8.count == 32, let bytes = bytes(fromHex: plain) else { return nil }
            digests += bytes
        }
        return md5Hex(digests) + "-\(partETags.count)"
    }
}
