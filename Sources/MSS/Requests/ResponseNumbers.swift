import NIOHTTP1
import S3Protocol

/// The numbers of a response's headers, read with S3's bounds. A hostile or broken endpoint gets
/// an ``MSSClientError`` of kind `invalidResponse`, or its value ignored, never a trap in the
/// arithmetic that follows.
enum ResponseNumbers {
    /// `Content-Length`: nil when absent, an error when not a size from 0 to 5 TiB.
    static func contentLength(_ headers: HTTPHeaders) throws -> Int64? {
        guard let text = headers.first(name: "Content-Length") else { return nil }
        guard let value = S3Limits.size(text.trimmingSpacesAndTabs()) else {
            throw MSSClientError(.invalidResponse, "the server sent Content-Length '\(text.prefix(40))', not a size from 0 to 5 TiB")
        }
        return value
    }

    /// `Content-Range: bytes first-last/total` (total may be `*`): nil when absent, an error when
    /// malformed or out of bounds.
    static func contentRange(_ headers: HTTPHeaders) throws -> ContentRange? {
        guard let text = headers.first(name: "Content-Range") else { return nil }
        guard let range = ContentRange(text) else {
            throw MSSClientError(.invalidResponse, "the server sent Content-Range '\(text.prefix(80))', not bytes first-last/total within 5 TiB")
        }
        return range
    }

    /// `Retry-After` in seconds, capped at `cap`; an HTTP date or anything else is ignored, and
    /// the retry policy's own exponential delay applies.
    static func retryAfter(_ headers: HTTPHeaders, cap: Duration = .seconds(60)) -> Duration? {
        guard let text = headers.first(name: "Retry-After"), let seconds = S3Limits.decimal(text.trimmingSpacesAndTabs())
        else { return nil }
        return min(.seconds(seconds), cap)
    }
}

/// A parsed `Content-Range: bytes first-last/total`.
struct ContentRange: Sendable, Hashable {
    var first: Int64
    var last: Int64
    /// The whole object's size; nil when the server sent `*`.
    var total: Int64?

    init?(_ text: String) {
        let trimmed = text.trimmingSpacesAndTabs()
        guard trimmed.hasPrefix("bytes ") else { return nil }
        let spec = trimmed.dropFirst(6)
        guard let slash = spec.firstIndex(of: "/"), let dash = spec[..<slash].firstIndex(of: "-"),
            let first = S3Limits.size(spec[..<dash]), let last = S3Limits.size(spec[spec.index(after: dash)..<slash]),
            first <= last
        else { return nil }
        let totalText = spec[spec.index(after: slash)...]
        if totalText == "*" {
            total = nil
        } else {
            guard let total = S3Limits.size(totalText), last < total else { return nil }
            self.total = total
        }
        self.first = first
        self.last = last
    }

    /// Bytes in the range.
    var count: Int64 { last - first + 1 }
}

extension String {
    /// Header values may carry optional whitespace around them (RFC 9110).
    fileprivate func trimmingSpacesAndTabs() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[start...end])
    }
}
