/// One query parameter, held decoded. A `nil` value is a bare sub-resource such as `?uploads`.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }
}

extension QueryItem {
    /// Parses a raw query string (without the `?`). Returns nil when an escape is malformed.
    ///
    /// Splits on the bytes `&` and `=`, as every other HTTP stack does: split by `Character`, a
    /// combining mark after a separator would hide it, and this parser would see other
    /// parameters than a proxy or the signer did.
    public static func parse(_ rawQuery: Substring) -> [QueryItem]? {
        var items: [QueryItem] = []
        for part in rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let eq = part.firstIndex(of: UInt8(ascii: "=")) {
                guard let name = URIEncoding.decode(String(decoding: part[..<eq], as: UTF8.self)),
                    let value = URIEncoding.decode(String(decoding: part[part.index(after: eq)...], as: UTF8.self))
                else { return nil }
                items.append(QueryItem(name, value))
            } else {
                guard let name = URIEncoding.decode(String(decoding: part, as: UTF8.self)) else { return nil }
                items.append(QueryItem(name, nil))
            }
        }
        return items
    }

    /// Renders items as a query string in the given order, each name and value URI-encoded.
    public static func render(_ items: [QueryItem]) -> String {
        items.map { item in
            let name = URIEncoding.encode(item.name)
            guard let value = item.value else { return name }
            return "\(name)=\(URIEncoding.encode(value))"
        }.joined(separator: "&")
    }
}

extension Array where Element == QueryItem {
    /// The first value for `name`, or nil when absent. A bare item yields "".
    public func value(for name: String) -> String? {
        first { $0.name == name }.map { $0.value ?? "" }
    }

    /// Whether `name` is present, with or without a value.
    public func contains(_ name: String) -> Bool {
        contains { $0.name == name }
    }
}
