public import Foundation
public import S3Protocol

/// An attribute GetObjectAttributes can be asked for; the raw value is its name in
/// `x-amz-object-attributes`.
///
/// The server returns only what was named, so a caller that needs the part list of a large
/// upload does not pay for checksums, and the other way round.
public enum ObjectAttribute: String, Sendable, Hashable, CaseIterable {
    case etag = "ETag"
    case checksum = "Checksum"
    case objectParts = "ObjectParts"
    case storageClass = "StorageClass"
    case objectSize = "ObjectSize"
}

/// What ``Key/attributes(_:versionID:maxParts:partNumberMarker:customerKey:)`` answers: the attributes that
/// were asked for and the server has, and the version they belong to.
///
/// Every attribute is optional because the caller picks them and a server leaves out what it does
/// not keep (checksums of an object uploaded without any, say).
public struct ObjectAttributes: Sendable, Hashable {
    public var key: String
    /// The ETag without quotes.
    public var etag: String?
    /// The object's additional checksums (base64), when it was uploaded with some.
    public var checksum: GetObjectAttributesResult.Checksum?
    /// The parts of an object assembled by a multipart upload (a page of them, from
    /// `partNumberMarker`); nil for an object written in one piece.
    public var objectParts: GetObjectAttributesResult.ObjectParts?
    public var storageClass: String?
    /// The object's size in bytes.
    public var size: Int64?
    /// From the `Last-Modified` header, which S3 sends whatever was asked.
    public var lastModified: Date?
    /// The version described (`x-amz-version-id`): nil from servers or buckets without versioning.
    public var versionID: String?
    /// Whether that version is a delete marker (`x-amz-delete-marker`).
    public var isDeleteMarker: Bool

    public init(
        key: String, etag: String? = nil, checksum: GetObjectAttributesResult.Checksum? = nil,
        objectParts: GetObjectAttributesResult.ObjectParts? = nil, storageClass: String? = nil, size: Int64? = nil,
        lastModified: Date? = nil, versionID: String? = nil, isDeleteMarker: Bool = false
    ) {
        self.key = key
        self.etag = etag
        self.checksum = checksum
        self.objectParts = objectParts
        self.storageClass = storageClass
        self.size = size
        self.lastModified = lastModified
        self.versionID = versionID
        self.isDeleteMarker = isDeleteMarker
    }
}
