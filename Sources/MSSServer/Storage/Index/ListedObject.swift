import Foundation

/// What a listing shows of a key: its newest version's size, ETag, date and owner.
struct ListedObject: Sendable, Hashable {
    var key: String
    var size: Int64
    /// Without quotes, as in ``StoredObject/etag``.
    var etag: String
    var lastModified: Date
    /// The owner's user id; nil for objects written before objects had owners.
    var owner: String?
}
