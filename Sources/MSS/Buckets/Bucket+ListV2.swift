import S3Protocol

/// One page of ListObjectsV2, as S3 returns it.
public struct KeyPageV2: Sendable, Hashable {
    public var objects: [ObjectSummary]
    public var commonPrefixes: [String]
    public var isTruncated: Bool
    /// The opaque token that fetches the next page, when truncated.
    public var nextContinuationToken: String?
    /// How many objects and prefixes this page holds, as the server counted them.
    public var keyCount: Int?
}

extension Bucket {
    /// Every key whose name starts with `prefix`, across all pages, listed with ListObjectsV2:
    /// after `startAfter` when given, with owners when `fetchOwner` is set. ``keys(prefix:delimiter:marker:pageSize:)``
    /// (ListObjects V1) stays the default for MSS; V2 is for servers and tools that page with
    /// continuation tokens.
    ///
    /// ```swift
    /// for try await case .object(let object) in bucket.keysV2(prefix: "logs/", fetchOwner: true) {
    ///     print(object.key, object.owner?.displayName ?? "-")
    /// }
    /// ```
    public func keysV2(
        prefix: String? = nil, delimiter: String? = nil, startAfter: String? = nil, fetchOwner: Bool = false,
        pageSize: Int? = nil
    ) -> KeyListingV2 {
        KeyListingV2(
            bucket: self, prefix: prefix, delimiter: delimiter, startAfter: startAfter, fetchOwner: fetchOwner,
            pageSize: pageSize)
    }

    /// One page of ListObjectsV2: at most `maxKeys` entries, continuing from `continuationToken`
    /// (a previous page's ``KeyPageV2/nextContinuationToken``) or else starting after `startAfter`.
    public func listPageV2(
        prefix: String? = nil, delimiter: String? = nil, startAfter: String? = nil, continuationToken: String? = nil,
        fetchOwner: Bool = false, maxKeys: Int? = nil
    ) async throws -> KeyPageV2 {
        try Bucket.validateExisting(name)
        if let maxKeys, maxKeys < 0 { throw MSSClientError.invalidArgument("maxKeys must not be negative") }
        var query = [QueryItem("list-type", "2"), QueryItem("encoding-type", "url")]
        if let prefix { query.append(QueryItem("prefix", prefix)) }
        if let delimiter { query.append(QueryItem("delimiter", delimiter)) }
        if let startAfter { query.append(QueryItem("start-after", startAfter)) }
        if let continuationToken { query.append(QueryItem("continuation-token", continuationToken)) }
        if fetchOwner { query.append(QueryItem("fetch-owner", "true")) }
        if let maxKeys { query.append(QueryItem("max-keys", String(maxKeys))) }
        let response = try await connection.send(S3Request(method: "GET", bucket: name, query: query))
        let result: ListBucketResult
        do {
            result = try ListBucketResult(bytes: response.bodyBytes).urlDecoded()
        } catch {
            throw MSSClientError(.invalidResponse, "cannot read the listing of \(name): \(error)")
        }
        if result.isTruncated, result.nextContinuationToken?.isEmpty ?? true {
            throw MSSClientError(.invalidResponse, "a truncated ListObjectsV2 page of \(name) has no NextContinuationToken")
        }
        return KeyPageV2(
            objects: result.contents.map {
                ObjectSummary(
                    key: $0.key, size: $0.size, etag: $0.etag.map(ObjectInfo.unquoted), lastModified: $0.lastModified,
                    storageClass: $0.storageClass, owner: $0.owner)
            },
            commonPrefixes: result.commonPrefixes, isTruncated: result.isTruncated,
            nextContinuationToken: result.isTruncated ? result.nextContinuationToken : nil, keyCount: result.keyCount)
    }
}

/// The keys of a bucket from ListObjectsV2, page after page. Made by
/// ``Bucket/keysV2(prefix:delimiter:startAfter:fetchOwner:pageSize:)``.
public struct KeyListingV2: AsyncSequence, Sendable {
    public typealias Element = ListEntry

    let bucket: Bucket
    let prefix: String?
    let delimiter: String?
    let startAfter: String?
    let fetchOwner: Bool
    let pageSize: Int?

    public func makeAsyncIterator() -> Iterator {
        Iterator(listing: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let listing: KeyListingV2
        var token: String?
        var buffer: [ListEntry] = []
        var seenTokens: Set<String> = []
        var finished = false

        init(listing: KeyListingV2) {
            self.listing = listing
        }

        public mutating func next() async throws -> ListEntry? {
            while buffer.isEmpty {
                if finished { return nil }
                let page = try await listing.bucket.listPageV2(
                    prefix: listing.prefix, delimiter: listing.delimiter,
                    startAfter: token == nil ? listing.startAfter : nil, continuationToken: token,
                    fetchOwner: listing.fetchOwner, maxKeys: listing.pageSize)
                buffer = (page.objects.map { ListEntry.object($0) } + page.commonPrefixes.map { .commonPrefix($0) })
                    .sorted(by: ListEntry.inKeyOrder)
                buffer.reverse()
                // A token seen before would page forever.
                if page.isTruncated, let next = page.nextContinuationToken, seenTokens.insert(next).inserted {
                    token = next
                } else {
                    finished = true
                }
            }
            return buffer.popLast()
        }
    }
}
