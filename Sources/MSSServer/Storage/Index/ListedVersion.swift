import Foundation

/// What a version listing shows of one version.
struct ListedVersion: Sendable, Hashable {
    var key: String
    /// nil is the `null` version.
    var versionID: String?
    var isDeleteMarker: Bool
    var size: Int64
    /// Without quotes, as in ``StoredObject/etag``; empty for a delete marker.
    var etag: String
    var lastModified: Date
    /// The owner's user id; nil for versions written before objects had owners.
    var owner: String?

    /// The version id as S3 shows it.
    var versionIDText: String { versionID ?? "null" }

    init(_ object: StoredObject) {
        key = object.key
        versionID = object.versionID
        isDeleteMarker = object.isDeleteMarker
        size = object.size
        etag = object.etag
        lastModified = object.lastModified
        owner = object.acl.owner
    }

    init(key: String, versionID: String?, isDeleteMarker: Bool, size: Int64, etag: String, lastModified: Date, owner: String?) {
        self.key = key
        self.versionID = versionID
        self.isDeleteMarker = isDeleteMarker
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.owner = owner
    }
}
