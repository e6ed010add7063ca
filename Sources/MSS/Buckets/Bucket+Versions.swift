public import Foundation
import NIOCore
public import S3Protocol

/// One version of an object, or a delete marker, as ListObjectVersions shows it.
public struct ObjectVersion: Sendable, Hashable {
    public var key: String
    /// `null` for what was written while the bucket was unversioned or suspended.
    public var versionID: String
    /// Whether this is the key's current version (or current delete marker).
    public var isLatest: Bool
    /// A delete marker has no ETag, size or storage class.
    public var isDeleteMarker: Bool
    public var lastModified: Date?
    /// The ETag without quotes.
    public var etag: String?
    public var size: Int64?
    public var storageClass: String?
    public var owner: Owner?

    public init(
        key: String, versionID: String, isLatest: Bool, isDeleteMarker: Bool, lastModified: Date? = nil,
        etag: String? = nil, size: Int64? = nil, storageClass: String? = nil, owner: Owner? = nil
    ) {
        self.key = key
        self.versionID = versionID
        self.isLatest = isLatest
        self.isDeleteMarker = isDeleteMarker
        self.lastModified = lastModified
        self.etag = etag
        self.size = size
        self.storageClass = storageClass
        self.owner = owner
    }
}

/// One entry of a version listing: a version or delete marker, or a common prefix standing for
/// the keys under it when listing with a delimiter.
public enum VersionEntry: Sendable, Hashable {
    case version(ObjectVersion)
    case commonPrefix(String)
}

/// One page of ListObjectVersions, as S3 returns it.
public struct VersionPage: Sendable, Hashable {
    /// Versions and delete markers: by key, and for each key newest first.
    public var versions: [ObjectVersion]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Where the next page starts (pass both as markers), when truncated.
    public var nextKeyMarker: String?
    public var nextVersionIDMarker: String?
}

extension Bucket {
    /// Every version and delete marker of the keys starting with `prefix`, across all pages, as
    /// an `AsyncSequence`: by key, and for each key newest first. With a `delimiter`, keys below
    /// it are rolled up into ``VersionEntry/commonPrefix(_:)`` entries. Pages are fetched as the
    /// sequence is consumed.
    ///
    /// ```swift
    /// for try await case .version(let version) in bucket.versions(prefix: "logs/") {
    ///     print(version.key, version.versionID, version.isDeleteMarker ? "deleted" : version.size ?? 0)
    /// }
    /// ```
    public func versions(
        prefix: String? = nil, delimiter: String? = nil, keyMarker: String? = nil, versionIDMarker: String? = nil,
        pageSize: Int? = nil
    ) -> VersionListing {
        VersionListing(
            bucket: self, prefix: prefix, delimiter: delimiter, keyMarker: keyMarker, versionIDMarker: versionIDMarker,
            pageSize: pageSize)
    }

    /// All versions and delete markers of the keys starting with `prefix`.
    public func allVersions(prefix: String? = nil) async throws -> [ObjectVersion] {
        var versions: [ObjectVersion] = []
        for try await case .version(let version) in self.versions(prefix: prefix) { versions.append(version) }
        return versions
    }

    /// One page of ListObjectVersions, of at most `maxKeys` entries, starting after the version
    /// `versionIDMarker` of `keyMarker` (after all of `keyMarker`'s versions without one).
    public func listVersionsPage(
        prefix: String? = nil, delimiter: String? = nil, keyMarker: String? = nil, versionIDMarker: String? = nil,
        maxKeys: Int? = nil
    ) async throws -> VersionPage {
        try Bucket.validateExisting(name)
        if let maxKeys, maxKeys < 0 { throw MSSClientError.invalidArgument("maxKeys must not be negative") }
        if versionIDMarker != nil, keyMarker == nil {
            throw MSSClientError.invalidArgument("a versionIDMarker needs a keyMarker")
        }
        var query = [QueryItem("versions"), QueryItem("encoding-type", "url")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let keyMarker { query.append(QueryItem("key-marker", keyMarker)) }
        if let versionIDMarker { query.append(QueryItem("version-id-marker", versionIDMarker)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let response = try await connection.send(S3Request(method: "GET", bucket: name, query: query))
        let result: ListVersionsResult
        do {
            result = try ListVersionsResult(bytes: response.bodyBytes).urlDecoded()
        } catch {
            throw MSSClientError(.invalidResponse, "cannot read the version listing of \(name): \(error)")
        }
        let versions = result.entries.map {
            ObjectVersion(
                key: $0.key, versionID: $0.versionID, isLatest: $0.isLatest, isDeleteMarker: $0.isDeleteMarker,
                lastModified: $0.lastModified, etag: $0.etag.map(ObjectInfo.unquoted), size: $0.size,
                storageClass: $0.storageClass, owner: $0.owner)
        }
        var nextKey = result.nextKeyMarker
        var nextVersion = result.nextVersionIDMarker
        // Some servers omit the next markers; the last entry is where to go on.
        if result.isTruncated, nextKey == nil {
            if let last = versions.last, result.commonPrefixes.last.map({ Array($0.utf8).lexicographicallyPrecedes(Array(last.key.utf8)) }) ?? true {
                nextKey = last.key
                nextVersion = last.versionID
            } else {
                nextKey = result.commonPrefixes.last
                nextVersion = nil
            }
        }
        return VersionPage(
            versions: versions, commonPrefixes: result.commonPrefixes, isTruncated: result.isTruncated,
            nextKeyMarker: result.isTruncated ? nextKey : nil, nextVersionIDMarker: result.isTruncated ? nextVersion : nil)
    }

    /// Deletes many objects or versions with batched multi-object deletes (1,000 a request):
    /// entries with a version id remove that version for good, the others make delete markers in
    /// a versioned bucket. Returns what could not be deleted with the server's reason.
    @discardableResult
    public func deleteObjects(_ objects: [DeleteRequest.Object]) async throws -> [DeleteResult.Failure] {
        for object in objects {
            try Key.validate(object.key)
            if let versionID = object.versionID { try Key.validate(versionID: versionID) }
        }
        var failures: [DeleteResult.Failure] = []
        var start = objects.startIndex
        while start < objects.endIndex {
            let end = min(start + 1000, objects.endIndex)
            let body = Array(DeleteRequest(objects: Array(objects[start..<end]), quiet: true).serialized().utf8)
            var request = S3Request(method: "POST", bucket: name, query: [QueryItem("delete")])
            request.headers.add("Content-Type", "application/xml")
            request.headers.add("Content-MD5", Digests.md5Base64(body))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await connection.send(request)
            failures += try connection.decode(DeleteResult.self, from: response).errors
            start = end
        }
        return failures
    }
}

/// The versions of a bucket's keys, page after page. Made by
/// ``Bucket/versions(prefix:delimiter:keyMarker:versionIDMarker:pageSize:)``.
public struct VersionListing: AsyncSequence, Sendable {
    public typealias Element = VersionEntry

    let bucket: Bucket
    let prefix: String?
    let delimiter: String?
    let keyMarker: String?
    let versionIDMarker: String?
    let pageSize: Int?

    public func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let listing: VersionListing
        var keyMarker: String?
        var versionIDMarker: String?
        var buffer: [VersionEntry] = []
        var seenPrefixes: Set<String> = []
        var seenMarkers: Set<[String?]> = []
        var finished = false

        init(listing: VersionListing) {
            self.listing = listing
            keyMarker = listing.keyMarker
            versionIDMarker = listing.versionIDMarker
            seenMarkers.insert([keyMarker, versionIDMarker])
        }

        public mutating func next() async throws -> VersionEntry? {
            while buffer.isEmpty {
                if finished { return nil }
                let page = try await listing.bucket.listVersionsPage(
                    prefix: listing.prefix, delimiter: listing.delimiter, keyMarker: keyMarker,
                    versionIDMarker: versionIDMarker, maxKeys: listing.pageSize)
                let fresh = page.commonPrefixes.filter { seenPrefixes.insert($0).inserted }
                buffer = Self.merge(page.versions, fresh)
                buffer.reverse()
                guard page.isTruncated else {
                    finished = true
                    continue
                }
                // A truncated page without a way on, or one leading back to markers seen before
                // (which would page forever), is refused: ending quietly would hide versions a
                // caller deleting "every version" relies on seeing.
                guard let next = page.nextKeyMarker else {
                    throw MSSClientError(
                        .invalidResponse, "a truncated ListObjectVersions page of \(listing.bucket.name) has no NextKeyMarker")
                }
                guard seenMarkers.insert([next, page.nextVersionIDMarker]).inserted else {
                    throw MSSClientError(
                        .invalidResponse,
                        "ListObjectVersions of \(listing.bucket.name) pointed back to key marker \(next.debugDescription) it had already given")
                }
                keyMarker = next
                versionIDMarker = page.nextVersionIDMarker
            }
            return buffer.popLast()
        }

        /// Versions keep the server's order (newest first within a key), which sorting by key
        /// alone could upset; prefixes are slotted in between by byte order.
        static func merge(_ versions: [ObjectVersion], _ prefixes: [String]) -> [VersionEntry] {
            var merged: [VersionEntry] = []
            merged.reserveCapacity(versions.count + prefixes.count)
            var prefixIndex = prefixes.startIndex
            for version in versions {
                while prefixIndex < prefixes.endIndex,
                    Array(prefixes[prefixIndex].utf8).lexicographicallyPrecedes(Array(version.key.utf8))
                {
                    merged.append(.commonPrefix(prefixes[prefixIndex]))
                    prefixIndex += 1
                }
                merged.append(.version(version))
            }
            merged += prefixes[prefixIndex...].map { .commonPrefix($0) }
            return merged
        }
    }
}
