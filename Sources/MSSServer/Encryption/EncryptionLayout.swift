import Crypto
import Foundation

/// The arithmetic of the chunked layout described in ``StoredEncryption``.
enum EncryptionLayout {
    static let tagSize = 16
    static let noncePrefixSize = 8

    /// Chunks a segment of `plaintext` bytes has: at least one, so an empty segment still ends
    /// with a sealed final chunk and cannot be truncated unnoticed.
    static func chunkCount(plaintext: Int64, chunkSize: Int) -> Int64 {
        guard plaintext > 0 else { return 1 }
        return (plaintext - 1) / Int64(chunkSize) + 1
    }

    static func storedSize(plaintext: Int64, chunkSize: Int) -> Int64 {
        plaintext &+ chunkCount(plaintext: plaintext, chunkSize: chunkSize) &* Int64(tagSize)
    }

    static func nonce(prefix: [UInt8], index: Int64) throws -> AES.GCM.Nonce {
        let counter = UInt32(truncatingIfNeeded: index)
        return try AES.GCM.Nonce(data: prefix + withUnsafeBytes(of: counter.bigEndian, Array.init))
    }

    static func authenticatedData(index: Int64, final: Bool) -> [UInt8] {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: index).bigEndian, Array.init) + [final ? 1 : 0]
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A fresh 256-bit data key.
    static func newDataKey() -> SymmetricKey { SymmetricKey(size: .bits256) }

    /// `dataKey` sealed with `wrappingKey`, bound to the kind of encryption, base64.
    static func wrap(_ dataKey: SymmetricKey, with wrappingKey: SymmetricKey, kind: StoredEncryption.Kind) throws -> String {
        let raw = dataKey.withUnsafeBytes { Data($0) }
        let sealed = try AES.GCM.seal(raw, using: wrappingKey, authenticating: Data(kind.rawValue.utf8))
        guard let combined = sealed.combined else { throw EncryptionFailure.damaged("cannot wrap the data key") }
        return combined.base64EncodedString()
    }

    /// The data key, or nil when `wrappingKey` is not the key it was wrapped with.
    static func unwrap(_ wrapped: String, with wrappingKey: SymmetricKey, kind: StoredEncryption.Kind) -> SymmetricKey? {
        guard let combined = Data(base64Encoded: wrapped), let box = try? AES.GCM.SealedBox(combined: combined),
            let raw = try? AES.GCM.open(box, using: wrappingKey, authenticating: Data(kind.rawValue.utf8)), raw.count == 32
        else { return nil }
        return SymmetricKey(data: raw)
    }
}

/// Encrypted bytes on disk that do not open: tampered, truncated, or described by damaged
/// metadata. Answered as 500 InternalError and logged; never turned into wrong bytes.
enum EncryptionFailure: Error, CustomStringConvertible {
    case damaged(String)

    var description: String {
        switch self {
        case .damaged(let detail): "encrypted data cannot be opened: \(detail)"
        }
    }
}
