import HTTPTypes
import Hummingbird
import S3Protocol

/// PutBucketCors, GetBucketCors, DeleteBucketCors, and the preflight `OPTIONS` answered from
/// the bucket's rules. The headers of actual cross-origin requests are added by
/// ``addCORSHeaders(to:origin:method:requestedMethod:bucket:)`` once the answer is made.
extension S3Handler {
    func bucketCORS(_ bucket: String) async throws -> Response {
        guard let rules = try await store.bucket(bucket).cors, !rules.isEmpty else {
            throw S3ServerError(
                .notFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist", resource: "/\(bucket)",
                details: ["BucketName": bucket])
        }
        return ServerResponse.xml(CORSConfiguration(rules: rules.map(\.rule)))
    }

    func putBucketCORS(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        try Self.requireIntegrityHeader(request)
        let bytes = try await Self.collectDocument(request, verifyingPayload: authentication)
        try Self.verifyChecksumHeaders(request, bytes)
        guard bytes.count <= CORSConfiguration.maximumDocumentSize else {
            throw S3ServerError(.badRequest, .maxMessageLengthExceeded, "Your request was too big.")
        }
        let configuration = try Self.parse(CORSConfiguration.self, from: bytes)
        if let problem = configuration.problem() {
            throw S3ServerError(.badRequest, S3ErrorCode(problem.code), problem.message)
        }
        try await store.updateBucketRecord(bucket) { $0.cors = configuration.rules.map(StoredCORSRule.init) }
        return ServerResponse.empty()
    }

    func deleteBucketCORS(_ bucket: String) async throws -> Response {
        try await store.updateBucketRecord(bucket) { $0.cors = nil }
        return ServerResponse.empty(.noContent)
    }

    /// A preflight, as S3 answers it: 400 without `Origin`; 403 AccessForbidden for a missing
    /// bucket, a bucket without rules, or when no rule allows the origin, the requested method
    /// (`OPTIONS` when none is named) and every requested header; else 200 with the first
    /// matching rule's headers. It never looks up the key.
    func preflight(_ request: ServerRequest, bucket: String) async throws -> Response {
        guard let origin = request.header("origin") else {
            throw S3ServerError(.badRequest, "BadRequest", "Insufficient information. Origin request header needed.")
        }
        let method = request.header("access-control-request-method") ?? "OPTIONS"
        let requestHeaders = Self.requestedHeaders(request.header("access-control-request-headers"))
        func forbidden(_ message: String, resourceType: String) -> S3ServerError {
            S3ServerError(.forbidden, "AccessForbidden", message, details: ["Method": String(method.prefix(64)), "ResourceType": resourceType])
        }
        guard let stored = try? await store.bucket(bucket) else {
            throw forbidden("CORSResponse: Bucket not found", resourceType: "BUCKET")
        }
        guard let rules = stored.cors, !rules.isEmpty else {
            throw forbidden("CORSResponse: CORS is not enabled for this bucket.", resourceType: "BUCKET")
        }
        let configuration = CORSConfiguration(rules: rules.map(\.rule))
        guard let rule = configuration.firstRule(origin: origin, method: method, requestHeaders: requestHeaders) else {
            // AWS's own wording, its misspelling included.
            throw forbidden(
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
                resourceType: request.key == nil ? "BUCKET" : "OBJECT")
        }
        var headers = HTTPFields()
        Self.setCORSHeaders(&headers, rule: rule, origin: origin)
        // The names as requested, in their order, lower-cased as S3 answers them.
        if !requestHeaders.isEmpty { headers[.accessControlAllowHeaders] = requestHeaders.map { $0.lowercased() }.joined(separator: ", ") }
        return ServerResponse.empty(headers: headers)
    }

    /// Adds the `Access-Control-*` headers of the bucket's first rule allowing `origin` and the
    /// method to an answer (errors included, as S3 does). An `Access-Control-Request-Method` on
    /// an actual request names the method matched, as on S3; its requested headers are not
    /// checked. Nothing changes when the bucket is missing, has no rules, or none matches.
    func addCORSHeaders(to response: inout Response, origin: String, method: String, requestedMethod: String?, bucket: String) async {
        guard let rules = try? await store.bucket(bucket).cors, !rules.isEmpty else { return }
        let configuration = CORSConfiguration(rules: rules.map(\.rule))
        guard let rule = configuration.firstRule(origin: origin, method: requestedMethod ?? method) else { return }
        Self.setCORSHeaders(&response.headers, rule: rule, origin: origin)
    }

    private static func setCORSHeaders(_ headers: inout HTTPFields, rule: CORSConfiguration.Rule, origin: String) {
        // A `*` rule is answered with `*` and without credentials; a named origin is echoed and
        // may send credentials.
        if rule.allowsAnyOrigin {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowCredentials] = "true"
        }
        headers[.accessControlAllowMethods] = rule.allowedMethods.joined(separator: ", ")
        if !rule.exposeHeaders.isEmpty { headers[.accessControlExposeHeaders] = rule.exposeHeaders.joined(separator: ", ") }
        if let maxAge = rule.maxAgeSeconds { headers[.accessControlMaxAge] = String(maxAge) }
        headers[.vary] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
    }

    /// The names of `Access-Control-Request-Headers`, a comma-separated list; bounded, since
    /// each is matched against every pattern of a rule.
    private static func requestedHeaders(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(separator: ",", omittingEmptySubsequences: true)
            .prefix(200)
            .map { String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            .filter { !$0.isEmpty }
    }
}
