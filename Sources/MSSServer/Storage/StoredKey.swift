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
    /// The bytes of the versions kept inline (``StoredObject/isInline``), by data version name
    /// (``StoredObject/version``). Only the key's document file holds them: the index, the
    /// caches and whatever reads a key to list or describe it keep ``withoutInlineBytes``, and
    /// the bytes are read from the file when wanted.
    var inlineBytes: [String: Data] = [:]

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
        if versions.contains(where: \.isInline) { return .inline }
        if versions.contains(where: { $0.encryption != nil || $0.tags != nil }) { return .governance }
        return versions.count == 1 && newest.versionID == nil && !newest.isDeleteMarker && newest.acl.owner == nil
            ? .initial : .versions
    }

    /// The key without the bytes of its inline versions: what the index and caches keep.
    var withoutInlineBytes: StoredKey {
        var lean = self
        lean.inlineBytes = [:]
        return lean
    }

    /// The versions kept inline whose bytes are not in ``inlineBytes``: a change of the key
    /// that keeps them takes their bytes from its document file first.
    var inlineVersionsWithoutBytes: [String] {
        versions.filter { $0.isInline && !$0.isDeleteMarker && inlineBytes[$0.version] == nil }.map(\.version)
    }

    /// Drops the bytes of versions the key no longer has.
    mutating func dropInlineBytesOfRemovedVersions() {
        guard !inlineBytes.isEmpty else { return }
        let kept = Set(versions.lazy.filter(\.isInline).map(\.version))
        inlineBytes = inlineBytes.filter { kept.contains($0.key) }
    }

    private enum CodingKeys: String, CodingKey {
        case noncurrent
        case inlineBytes
    }

    init(from decoder: any Decoder) throws {
        let newest = try StoredObject(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let noncurrent = try container.decodeIfPresent([StoredObject].self, forKey: .noncurrent) ?? []
        versions = [newest] + noncurrent
        inlineBytes = try container.decodeIfPresent([String: Data].self, forKey: .inlineBytes) ?? [:]
    }

    func encode(to encoder: any Encoder) throws {
        var newest = versions[0]
        newest.formatVersion = requiredFormat
        try newest.encode(to: encoder)
        if versions.count > 1 || !inlineBytes.isEmpty {
            var container = encoder.container(keyedBy: CodingKeys.self)
            if versions.count > 1 { try container.encode(Array(versions.dropFirst()), forKey: .noncurrent) }
            if !inlineBytes.isEmpty { try container.encode(inlineBytes, forKey: .inlineBytes) }
        }
    }
}
