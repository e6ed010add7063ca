import Foundation

/// How an object's bytes are encrypted at rest, kept in its metadata (never the keys in clear).
///
/// The data file is one or more segments (one for a PUT or copy, one per part for a multipart
/// upload), written back to back. Each segment is a sequence of chunks of `chunkSize` plaintext
/// bytes (the last one shorter, an empty segment one empty chunk), each sealed with AES-256-GCM
/// under the object's data key as ciphertext followed by its 16-byte tag. The nonce of chunk `i`
/// is the segment's 8-byte random prefix followed by `i` (32 bits, big-endian); the authenticated
/// data is `i` and a final-chunk flag, so reordered, dropped or appended chunks fail to open.
struct StoredEncryption: Codable, Sendable, Hashable {
    enum Kind: String, Codable, Sendable, Hashable {
        /// SSE-S3: the data key is wrapped with the server's master key.
        case s3 = "SSE-S3"
        /// SSE-C: the data key is wrapped with the customer's key, which is never stored.
        case customer = "SSE-C"
    }

    /// The layout this server writes; anything else is refused as damaged.
    static let algorithmName = "AES-256-GCM-CHUNKED"
    static let defaultChunkSize = 64 * 1024

    var kind: Kind
    var algorithm: String = Self.algorithmName
    var chunkSize: Int = Self.defaultChunkSize
    /// The data key sealed with AES-256-GCM (nonce, ciphertext, tag), base64.
    var wrappedKey: String
    /// SSE-C: base64 MD5 of the customer's key, which S3 reports back (the key itself is not kept).
    var customerKeyMD5: String? = nil
    /// The segments of the data file in order; empty in the template of a multipart upload.
    var segments: [EncryptedSegment] = []

    /// The size of the data file these segments need.
    var storedSize: Int64 {
        segments.reduce(Int64(0)) { $0 &+ EncryptionLayout.storedSize(plaintext: $1.size, chunkSize: chunkSize) }
    }

    /// True when the fields can describe a file this server wrote (metadata on disk is checked
    /// before it steers any arithmetic).
    var isWellFormed: Bool {
        algorithm == Self.algorithmName && (1...(16 << 20)).contains(chunkSize)
            && segments.allSatisfy { $0.size >= 0 && $0.nonce != nil }
    }
}

/// One run of chunks in an encrypted data file: a single PUT's body or one multipart part.
struct EncryptedSegment: Codable, Sendable, Hashable {
    /// Plaintext bytes.
    var size: Int64
    /// The 8 random bytes every chunk nonce of the segment starts with, base64.
    var noncePrefix: String

    var nonce: [UInt8]? {
        guard let data = Data(base64Encoded: noncePrefix), data.count == EncryptionLayout.noncePrefixSize else { return nil }
        return Array(data)
    }
}
