import S3Protocol

/// The query parameters every listing shares (ListObjects V1 and V2, ListObjectVersions), read
/// with S3's rules, and how names in the answer are encoded.
struct ListingParameters {
    var maxKeys: Int
    var prefix: String
    /// nil for none; an empty delimiter is none too.
    var delimiter: String?
    /// `url` or nil.
    var encodingType: String?

    init(_ query: [QueryItem]) throws {
        maxKeys = try S3Handler.intParameter(query, "max-keys", default: 1000, range: 0...Int.max)
        prefix = query.value(for: "prefix") ?? ""
        delimiter = query.value(for: "delimiter").flatMap { $0.isEmpty ? nil : $0 }
        encodingType = query.value(for: "encoding-type")
        if let encodingType, encodingType != "url" {
            throw S3ServerError.invalidArgument("Invalid Encoding Method specified in Request")
        }
    }

    /// How a key, prefix or marker appears in the answer: percent-encoded for `encoding-type=url`.
    func encode(_ name: String) -> String {
        encodingType == "url" ? URIEncoding.encode(name, keepSlash: true) : name
    }

    /// At most a page of 1,000, as S3 answers whatever max-keys asks.
    var pageSize: Int { min(maxKeys, 1000) }
}
