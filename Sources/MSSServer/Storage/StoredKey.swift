import Foundation

/// Every version the server keeps of one key, newest first: the contents of the key's metadata
/// file, so a write, a delete marker or the removal of a version is one atomic rename.
///
/// On disk the newest version's fields are the top level of the document and older versions
/// follow under `noncurrent`. A document written before versioning existed is exactly one
/// ``StoredObject``, so it reads as a key with one (`null`) version.
struct StoredKey: Codable, Sendable, Hashable {
    /// Never empty: a key whose last version goes is removed with its file.
    private(set) var versions: [StoredObject]

    init(_ newest: StoredObject, noncurrent: [StoredObject] = []) {
        versions = [newest] + noncurrent
    }

    /// nil when `versions` is empty.
    init?(versions: [StoredObject]) {
        guard !versions.isEmpty else { return nil }
        self.versions = versions
    }

    var key: String { versions[0].key }

    /// The newest version, which may be a delete marker.
    var newest: StoredObject { versions[0] }

    /// The object a plain GET finds: the newest version unless it is a delete marker.
    var current: StoredObject? { newest.isDeleteMarker ? nil : newest }

    /// The version S3 calls `versionID` ("null" and nil name the same version).
    func version(_ versionID: String?) -> StoredObject? {
        versions.first { $0.versionID == versionID }
    }

    /// Replaces the version with the same data file name; false when it is gone.
    mutating func replace(_ object: StoredObject) -> Bool {
        guard let index = versions.firstIndex(where: { $0.version == object.version }) else { return false }
        versions[index] = object
        return true
    }

    /// The format a document of this key needs: the first one only when an older server would
    /// read it right (one `null` version with a canned, ownerless ACL), so such a server refuses
    /// to start on anything newer instead of misreading it.
    var requiredFormat: FormatVersion {
        if versions.contains(where: { $0.encryption != nil || $0.tags != nil }) { return .governance }
        return versions.count == 1 && newest.versionID == nil && !newest.isDeleteMarker && newest.acl.owner == nil
            ? .initial : .versions
    }

    private enum CodingKeys: String, CodingKey {
        case noncurrent
    }

    init(from decoder: any Decoder) throws {
        let newest = try StoredObject(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let noncurrent = try container.decodeIfPresent([StoredObject].self, forKey: .noncurrent) ?? []
        versions = [newest] + noncurrent
    }

    func encode(to encoder: any Encoder) throws {
        var newest = versions[0]
        newest.formatVersion = requiredFormat
        try newest.encode(to: encoder)
        if versions.count > 1 {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Array(versions.dropFirst()), forKey: .noncurrent)
        }
    }
}
