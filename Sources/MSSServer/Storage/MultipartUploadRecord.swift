import Foundation

/// A multipart upload in progress, kept in `.mss/uploads/ID/upload.json`.
struct MultipartUploadRecord: Codable, Sendable, Hashable {
    var id: String
    var bucket: String
    var key: String
    var initiated: Date
    /// Content type, headers, metadata and ACL that the completed object gets.
    var template: StoredObject
}

/// One uploaded part, kept beside its bytes as `part-NNNNN.json`.
struct PartRecord: Codable, Sendable, Hashable {
    var number: Int
    var size: Int64
    /// Hex MD5 of the part, without quotes.
    var etag: String
    var lastModified: Date
}
