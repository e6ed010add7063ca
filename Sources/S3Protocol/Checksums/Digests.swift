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
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
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
}
