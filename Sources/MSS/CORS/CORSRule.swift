/// One rule of a bucket's CORS configuration: which web origins may send which methods and
/// request headers, and what the browser may show the page of the answer.
///
/// ```swift
/// try await bucket.setCORS([
///     CORSRule(allowedOrigins: ["https://app.example.com"], allowedMethods: [.get, .put],
///              allowedHeaders: ["*"], exposeHeaders: ["ETag"], maxAgeSeconds: 3000)
/// ])
/// ```
///
/// An origin or header pattern may hold one `*` wildcard. The first rule that matches a
/// request answers it. S3 allows 100 rules.
public struct CORSRule: Sendable, Hashable {
    /// A method a rule may allow.
    public struct Method: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }

        public static let get = Method(rawValue: "GET")
        public static let put = Method(rawValue: "PUT")
        public static let post = Method(rawValue: "POST")
        public static let delete = Method(rawValue: "DELETE")
        public static let head = Method(rawValue: "HEAD")
    }

    /// An optional name of the rule, up to 255 characters.
    public var id: String?
    /// Origins allowed, such as `https://app.example.com`, `https://*.example.com` or `*`.
    public var allowedOrigins: [String]
    public var allowedMethods: [Method]
    /// Request headers a preflight may ask for (`Access-Control-Request-Headers`); `*` allows any.
    public var allowedHeaders: [String]
    /// Response headers the page may read (`Access-Control-Expose-Headers`), such as `ETag`.
    public var exposeHeaders: [String]
    /// How long a browser may cache the preflight's answer.
    public var maxAgeSeconds: Int?

    public init(
        id: String? = nil, allowedOrigins: [String], allowedMethods: [Method], allowedHeaders: [String] = [],
        exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil
    ) {
        self.id = id
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
    }
}
