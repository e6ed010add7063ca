import S3Protocol

/// One CORS rule of a bucket as kept in its record; the same fields as the S3 document's rule,
/// in a stable JSON form of the server's own.
struct StoredCORSRule: Codable, Sendable, Hashable {
    var id: String?
    var allowedMethods: [String]
    var allowedOrigins: [String]
    var allowedHeaders: [String]
    var exposeHeaders: [String]
    var maxAgeSeconds: Int?

    init(_ rule: CORSConfiguration.Rule) {
        id = rule.id
        allowedMethods = rule.allowedMethods
        allowedOrigins = rule.allowedOrigins
        allowedHeaders = rule.allowedHeaders
        exposeHeaders = rule.exposeHeaders
        maxAgeSeconds = rule.maxAgeSeconds
    }

    var rule: CORSConfiguration.Rule {
        CORSConfiguration.Rule(
            id: id, allowedMethods: allowedMethods, allowedOrigins: allowedOrigins, allowedHeaders: allowedHeaders,
            exposeHeaders: exposeHeaders, maxAgeSeconds: maxAgeSeconds)
    }
}
