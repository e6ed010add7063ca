public import S3Protocol

/// The tags of an object or a bucket: key–value pairs in the order they were given, as S3
/// keeps them.
///
/// Write one as a dictionary literal, whose order is kept:
///
/// ```swift
/// let tags: TagSet = ["project": "atlas", "retention": "short"]
/// try await key.setTags(tags)
/// ```
///
/// S3 allows 10 tags on an object and 50 on a bucket; keys are 1–128 Unicode characters,
/// values 0–256, made of letters, digits, spaces and `+ - = . _ : / @`, and a key may not
/// start with `aws:`. The server checks these and answers `InvalidTag` (or `BadRequest` for too
/// many object tags) as an ``S3Error``.
public struct TagSet: Sendable, Hashable, ExpressibleByDictionaryLiteral, RandomAccessCollection {
    /// One tag: S3Protocol's, the one the wire documents hold.
    public typealias Tag = S3Protocol.Tag

    /// The tags, in order.
    public var tags: [Tag]

    public init(_ tags: [Tag] = []) {
        self.tags = tags
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        tags = elements.map { Tag(key: $0.0, value: $0.1) }
    }

    /// The value of the tag `key`, nil when there is none.
    public subscript(key: String) -> String? {
        tags.first { $0.key == key }?.value
    }

    public var startIndex: Int { tags.startIndex }
    public var endIndex: Int { tags.endIndex }
    public subscript(position: Int) -> Tag { tags[position] }
}
