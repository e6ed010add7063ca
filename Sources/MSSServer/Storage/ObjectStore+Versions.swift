import Foundation
import S3Protocol

extension StoredObject {
    /// A delete marker for `key`: no bytes, and a fresh data version name that no file has.
    /// `owner` is the user who deleted (nil: the primary user, as for an anonymous delete).
    static func deleteMarker(key: String, lastModified: Date, owner: String?) -> StoredObject {
        let acl = owner.map { StoredACL(owner: $0, grants: [StoredGrant(.user($0), .fullControl)]) } ?? .private
        var marker = StoredObject(
            key: key, size: 0, etag: "", lastModified: lastModified, contentType: nil, contentHeaders: [:], metadata: [:],
            acl: acl, checksums: [:], version: UUID.random().uuidString.lowercased())
        marker.isDeleteMarker = true
        return marker
    }
}

extension ObjectStore {
    /// Turns versioning on or suspends it. A bucket that had versioning never goes back to
    /// having none, as in S3.
    func setVersioning(_ bucket: String, _ state: VersioningState) throws(S3ServerError) {
        var stored = try self.bucket(bucket)
        guard stored.versioning != state else { return }
        stored.versioning = state
        do {
            try writeBucket(stored) {
                replaceBucket(stored)
            }
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
    }

    struct VersionListing: Sendable {
        struct Entry: Sendable {
            var object: ListedVersion
            var isLatest: Bool
        }
        var entries: [Entry] = []
        var commonPrefixes: [String] = []
        var isTruncated = false
        /// Where the next page starts: the last key (or common prefix) returned and, for a
        /// version, its id.
        var nextKeyMarker: String?
        var nextVersionIDMarker: String?
    }

    /// Up to `maxKeys` versions and common prefixes in S3's order: keys ascending, each key's
    /// versions newest first. The page starts after `keyMarker`, or, with `versionIDMarker`,
    /// after that version of `keyMarker`. Read from the index on ``StoreIO``.
    func listVersions(
        bucket: String, prefix: String, delimiter: String?, keyMarker: String?, versionIDMarker: String?, maxKeys: Int
    ) async throws(S3ServerError) -> VersionListing {
        _ = try self.bucket(bucket)
        // No room on the page: an empty, complete answer, so a client looping on IsTruncated stops.
        guard maxKeys > 0 else { return VersionListing() }
        return try await readingIndex { index in
            try index.read { connection in
                try Self.versionListing(
                    KeyIndex.allKeys(connection, bucket: bucket), prefix: prefix, delimiter: delimiter, keyMarker: keyMarker,
                    versionIDMarker: versionIDMarker, maxKeys: maxKeys)
            }
        }
    }

    /// One page of a version listing walked over `cursor`.
    static func versionListing(
        _ cursor: some KeyCursor<[ListedVersion]>, prefix: String, delimiter: String?, keyMarker: String?, versionIDMarker: String?,
        maxKeys: Int
    ) throws -> VersionListing {
        let markerBytes = keyMarker.map { Array($0.utf8) } ?? []
        var walk = try ListingWalk(
            cursor, prefix: Array(prefix.utf8), delimiter: delimiter.map { Array($0.utf8) }, marker: markerBytes,
            includingMarker: versionIDMarker != nil)
        var listing = VersionListing()
        var count = 0
        while let step = try walk.next() {
            switch step {
            case .commonPrefix(let bytes):
                if count == maxKeys {
                    listing.isTruncated = true
                    return listing
                }
                let text = String(decoding: bytes, as: UTF8.self)
                listing.commonPrefixes.append(text)
                listing.nextKeyMarker = text
                listing.nextVersionIDMarker = nil
                count += 1
            case .key(let bytes, var versions):
                var latestIndex = 0
                // Resuming inside the marker key's history: after the marker version.
                if let versionIDMarker, bytes == markerBytes {
                    let id = versionIDMarker == "null" ? nil : versionIDMarker
                    // A marker version removed since the last page leaves no place to resume
                    // from; skipping the key's older versions silently would lose them.
                    guard let position = versions.firstIndex(where: { $0.versionID == id }) else {
                        throw S3ServerError.invalidArgument(
                            "The version-id-marker names no version of the key-marker (it may have been deleted since the previous page); list again from the key-marker.")
                    }
                    versions = Array(versions[(position + 1)...])
                    latestIndex = -1
                }
                for (offset, version) in versions.enumerated() {
                    if count == maxKeys {
                        listing.isTruncated = true
                        return listing
                    }
                    listing.entries.append(VersionListing.Entry(object: version, isLatest: offset == latestIndex))
                    listing.nextKeyMarker = version.key
                    listing.nextVersionIDMarker = version.versionIDText
                    count += 1
                }
            }
        }
        return listing
    }
}
