public import Foundation

/// The `If-Match`, `If-None-Match`, `If-Modified-Since` and `If-Unmodified-Since` conditions of a
/// read (or the `x-amz-copy-source-if-*` ones of a copy), evaluated the way S3 and RFC 9110 do:
/// an ETag condition that is present decides alone, and the date beside it is ignored.
public struct Preconditions: Sendable, Hashable {
    public var ifMatch: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?

    public init(ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: Date? = nil, ifUnmodifiedSince: Date? = nil) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    public enum Outcome: Sendable, Hashable {
        case proceed
        /// 412 Precondition Failed.
        case failed
        /// 304 Not Modified for a read; a copy answers 412 instead.
        case notModified
    }

    /// The outcome for a representation with this ETag (quoted or not) and date. Dates compare at
    /// whole seconds, the resolution of HTTP dates.
    public func evaluate(etag: String, lastModified: Date) -> Outcome {
        let modified = lastModified.timeIntervalSince1970.rounded(.down)
        if let ifMatch {
            if !Self.etag(etag, matches: ifMatch) { return .failed }
        } else if let ifUnmodifiedSince, modified > ifUnmodifiedSince.timeIntervalSince1970 {
            return .failed
        }
        if let ifNoneMatch {
            if Self.etag(etag, matches: ifNoneMatch) { return .notModified }
        } else if let ifModifiedSince, modified <= ifModifiedSince.timeIntervalSince1970 {
            return .notModified
        }
        return .proceed
    }

    /// Whether a list of entity tags (`"a", W/"b"`, or `*`) names `etag`.
    public static func etag(_ etag: String, matches header: String) -> Bool {
        let plain = unquoted(etag)
        return header.split(separator: ",").contains { item in
            var tag = Substring(item.trimmingCharacters(in: .whitespaces))
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == "*" || unquoted(String(tag)) == plain
        }
    }

    private static func unquoted(_ tag: String) -> String {
        tag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
