import S3Protocol

/// One entry of a listing: an object, or a common prefix standing for the keys under it when
/// listing with a delimiter.
public enum ListEntry: Sendable, Hashable {
    case object(ObjectSummary)
    case commonPrefix(String)
}

/// One page of a listing, as S3 returns it.
public struct KeyPage: Sendable, Hashable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// Where the next page starts (pass it as `marker`), when truncated.
    public var nextMarker: String?
}

extension Bucket {
    /// Every key of the bucket whose name starts with `prefix`, across all pages, as an
    /// `AsyncSequence`. With a `delimiter`, keys below it are rolled up into
    /// ``ListEntry/commonPrefix(_:)`` entries. Pages are fetched as the sequence is consumed.
    ///
    /// ```swift
    /// for try await entry in bucket.keys(prefix: "photos/", delimiter: "/") {
    ///     switch entry {
    ///     case .object(let object): print(object.key, object.size)
    ///     case .commonPrefix(let prefix): print("dir", prefix)
    ///     }
    /// }
    /// ```
    public func keys(prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, pageSize: Int? = nil)
        -> KeyListing
    {
        KeyListing(bucket: self, prefix: prefix, delimiter: delimiter, marker: marker, pageSize: pageSize)
    }

    /// All objects whose keys start with `prefix`, in key order (`get_all_keys` / `list`).
    public func allKeys(prefix: String? = nil) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        for try await entry in keys(prefix: prefix) {
            if case .object(let object) = entry { objects.append(object) }
        }
        return objects
    }

    /// The common prefixes one level below `prefix` (the "folders").
    public func commonPrefixes(prefix: String? = nil, delimiter: String = "/") async throws -> [String] {
        var prefixes: [String] = []
        for try await entry in keys(prefix: prefix, delimiter: delimiter) {
            if case .commonPrefix(let value) = entry { prefixes.append(value) }
        }
        return prefixes
    }

    /// One page of the listing, of at most `maxKeys` entries, starting after `marker`.
    public func listPage(prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, maxKeys: Int? = nil)
        async throws -> KeyPage
    {
        try Bucket.validateExisting(name)
        if let maxKeys, maxKeys < 0 { throw MSSClientError.invalidArgument("maxKeys must not be negative") }
        var query = [QueryItem("encoding-type", "url")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let marker { query.append(QueryItem("marker", marker)) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let response = try await connection.send(S3Request(method: "GET", bucket: name, query: query))
        let result: ListBucketResult
        do {
            result = try ListBucketResult(bytes: response.bodyBytes).urlDecoded()
        } catch {
            throw MSSClientError(.invalidResponse, "cannot read the listing of \(name): \(error)")
        }
        let objects = result.contents.map {
            ObjectSummary(
                key: $0.key, size: $0.size, etag: $0.etag.map(ObjectInfo.unquoted), lastModified: $0.lastModified,
                storageClass: $0.storageClass)
        }
        // Without a delimiter S3 may omit NextMarker: the last key is where to go on.
        var next = result.nextMarker
        if result.isTruncated, next == nil {
            next = [objects.last?.key, result.commonPrefixes.last].compactMap { $0 }
                .max { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        return KeyPage(
            objects: objects, commonPrefixes: result.commonPrefixes, isTruncated: result.isTruncated,
            nextMarker: result.isTruncated ? next : nil)
    }
}

/// The keys of a bucket, page after page. Made by ``Bucket/keys(prefix:delimiter:marker:pageSize:)``.
public struct KeyListing: AsyncSequence, Sendable {
    public typealias Element = ListEntry

    let bucket: Bucket
    let prefix: String?
    let delimiter: String?
    let marker: String?
    let pageSize: Int?

    public func makeAsyncIterator() -> Iterator {
        Iterator(listing: self, marker: marker)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let listing: KeyListing
        var marker: String?
        var buffer: [ListEntry] = []
        var seenPrefixes: Set<String> = []
        var seenMarkers: Set<String> = []
        var finished = false

        init(listing: KeyListing, marker: String?) {
            self.listing = listing
            self.marker = marker
            if let marker { seenMarkers.insert(marker) }
        }

        public mutating func next() async throws -> ListEntry? {
            while buffer.isEmpty {
                if finished { return nil }
                let page = try await listing.bucket.listPage(
                    prefix: listing.prefix, delimiter: listing.delimiter, marker: marker, maxKeys: listing.pageSize)
                // Objects and prefixes each come sorted; merge them into one key order. A common prefix
                // is reported once even if a server repeats it on later pages (moto sends all of them
                // on every page).
                let fresh = page.commonPrefixes.filter { seenPrefixes.insert($0).inserted }
                buffer = (page.objects.map { ListEntry.object($0) } + fresh.map { .commonPrefix($0) })
                    .sorted(by: ListEntry.inKeyOrder)
                buffer.reverse()
                // A marker seen before would page forever. Markers need not be keys (moto's are
                // opaque tokens), so "seen before" is the test, not "after the last one".
                if page.isTruncated, let next = page.nextMarker, seenMarkers.insert(next).inserted {
                    marker = next
                } else {
                    finished = true
                }
            }
            return buffer.popLast()
        }
    }
}

extension ListEntry {
    /// The key or the prefix.
    var name: String {
        switch self {
        case .object(let object): object.key
        case .commonPrefix(let prefix): prefix
        }
    }

    /// S3's order: by UTF-8 bytes, not by Swift's string order. Compared in place: a page is
    /// sorted once per page, and copying both names into arrays for each comparison was most
    /// of the cost of that sort.
    static func inKeyOrder(_ first: ListEntry, _ second: ListEntry) -> Bool {
        first.name.utf8.lexicographicallyPrecedes(second.name.utf8)
    }
}
