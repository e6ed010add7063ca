import HTTPTypes
import Hummingbird
import S3Protocol

/// An incoming request with its S3 addressing worked out: bucket, key and sub-resources.
struct ServerRequest: Sendable {
    var method: String
    var rawPath: String
    var query: [QueryItem]
    var headers: SignableHeaders
    var bucket: String?
    var key: String?
    /// The bucket came from the Host header (`bucket.DOMAIN`), not the path.
    var isVirtualHosted = false
    var body: RequestBody
    /// Lets a client that sent `Expect: 100-continue` send the body; the body readers open it,
    /// so it opens only after authentication, authorisation and the operation's own checks.
    var continueGate = ContinueGate(channel: nil, expectsContinue: false)
    /// Who signed the request; nil when anonymous. Set once authenticated.
    var user: ServerUser?
    /// The ACL a write gives the bucket or object it creates (owner and grants), worked out by
    /// authorisation, which knows the signer and the bucket's owner; nil for other requests.
    var newACL: StoredACL?
    /// The bucket and key a GET or HEAD of an object was authorised on, for the operation to
    /// answer from (set by authorisation); nil for other requests.
    var snapshot: KeySnapshot?
    /// Set by authorisation for a plain GET or HEAD of an object (``PlainObjectRead``), before it
    /// reads the store: its answer may then be kept in ``ReadAnswerCache``.
    var answerToken: ReadAnswerCache.Token?

    /// Parses path-style addressing (`/`, `/bucket[/]`, `/bucket/key`), or virtual-host style
    /// (`Host: bucket.DOMAIN`, path `/key`) when the host ends in one of `domains`.
    init(_ request: Request, domains: [String] = []) throws(S3ServerError) {
        guard let query = QueryItem.parse(Substring(request.uri.query ?? "")) else {
            throw S3ServerError(.badRequest, .invalidURI, "Couldn't parse the specified URI: bad percent-encoding in the query.")
        }
        try self.init(
            method: request.method.rawValue, rawPath: request.uri.path, query: query,
            headers: Self.signableHeaders(authority: request.head.authority, request.headers), body: request.body, domains: domains)
    }

    /// The same, from a request's parts already split: its path as sent (percent-encoded), its
    /// parsed query and its headers, `host` included.
    init(
        method: String, rawPath: String, query: [QueryItem], headers: SignableHeaders, body: RequestBody, domains: [String]
    ) throws(S3ServerError) {
        self.method = method
        self.rawPath = rawPath
        self.query = query
        self.headers = headers
        self.body = body

        if let bucket = Self.virtualHostBucket(headers["host"], domains: domains) {
            guard let key = URIEncoding.decode(String(rawPath.dropFirst())) else {
                throw S3ServerError(.badRequest, .invalidURI, "Couldn't parse the specified URI: bad percent-encoding in the key.")
            }
            if key.utf8.count > NameRules.maximumKeyBytes {
                throw S3ServerError(.badRequest, .keyTooLong, "Your key is too long", resource: rawPath)
            }
            self.bucket = bucket
            self.key = key.isEmpty ? nil : key
            isVirtualHosted = true
            return
        }
        let trimmed = rawPath.drop { $0 == "/" }
        if trimmed.isEmpty {
            bucket = nil
            key = nil
            return
        }
        let slash = trimmed.firstIndex(of: "/")
        let bucketPart = slash.map { trimmed[..<$0] } ?? trimmed
        guard let bucket = URIEncoding.decode(String(bucketPart)) else {
            throw S3ServerError(.badRequest, .invalidURI, "Couldn't parse the specified URI.")
        }
        self.bucket = bucket
        if let slash, trimmed.index(after: slash) < trimmed.endIndex {
            guard let key = URIEncoding.decode(String(trimmed[trimmed.index(after: slash)...])) else {
                throw S3ServerError(.badRequest, .invalidURI, "Couldn't parse the specified URI: bad percent-encoding in the key.")
            }
            if key.utf8.count > NameRules.maximumKeyBytes {
                throw S3ServerError(.badRequest, .keyTooLong, "Your key is too long", resource: rawPath)
            }
            self.key = key
        } else {
            key = nil
        }
    }

    /// The bucket named by `host` (`bucket.DOMAIN[:port]`, case-insensitive), nil when the host
    /// is a domain itself or none of them. A bucket name that breaks the naming rules is still
    /// returned, so the request fails as InvalidBucketName or NoSuchBucket rather than being
    /// read as path style.
    static func virtualHostBucket(_ host: String?, domains: [String]) -> String? {
        guard var host, !domains.isEmpty else { return nil }
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        host = host.lowercased()
        for domain in domains {
            let suffix = "." + domain.lowercased()
            if host.hasSuffix(suffix), host.utf8.count > suffix.utf8.count {
                return String(host.dropLast(suffix.count))
            }
        }
        return nil
    }

    /// A request head's fields as signatures see them. HTTP/1.1's Host header lives in the head
    /// as the authority.
    static func signableHeaders(authority: String?, _ fields: HTTPFields) -> SignableHeaders {
        var headers = SignableHeaders()
        if let authority { headers.add("host", authority) }
        for field in fields { headers.add(field.name.canonicalName, field.value) }
        return headers
    }

    func header(_ name: String) -> String? { headers[name] }

    var authenticationInput: Authenticator.Incoming {
        // SigV2 signs the resource as if path style: the bucket, then the path as sent.
        let resource: String
        if let bucket, key == nil {
            resource = "/\(bucket)/"
        } else if let bucket, isVirtualHosted {
            resource = "/\(bucket)" + rawPath
        } else {
            resource = rawPath
        }
        return Authenticator.Incoming(method: method, rawPath: rawPath, v2ResourcePath: resource, query: query, headers: headers)
    }
}
