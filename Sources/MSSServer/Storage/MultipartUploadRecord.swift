import Foundation

/// A multipart upload in progress, kept in `.mss/uploads/ID/upload.json`.
struct MultipartUploadRecord: Codable, Sendable, Hashable {
    var id: String
    var bucket: String
    var key: String
    var initiated: Date
    /// Content type, headers, metadata and ACL that the completed object gets.
    var template: StoredObject
    var formatVersion: FormatVersion = .initial
}

/// One uploaded part, kept as `part-NNNNN.json` beside its bytes.
struct PartRecord: Codable, Sendable, Hashable {
    var number: Int
    var size: Int64
    /// Hex MD5 of the part, without quotes.
    var etag: String
    var lastModified: Date
    /// The name of the part's bytes in the upload folder, new for every upload of the part, so a
    /// completion reading the parts it validated is never handed the bytes of a later upload of
    /// the same number. Nil in records from before names were unique: the bytes are `part-NNNNN`.
    var file: String? = nil
    /// The nonce prefix of the part's sealed segment when the upload is encrypted (see
    /// ``StoredEncryption``); `size` and `etag` still describe the plaintext.
    var noncePrefix: String? = nil
    var formatVersion: FormatVersion = .initial
}
