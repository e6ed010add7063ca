import S3Protocol

extension Bucket {
    /// The bucket's CORS rules (GetBucketCors); nil when it has no configuration.
    public func cors() async throws -> [CORSRule]? {
        try Bucket.validateExisting(name)
        do {
            let response = try await connection.send(S3Request(method: "GET", bucket: name, query: [QueryItem("cors")]))
            return try connection.decode(CORSConfiguration.self, from: response).rules.map(CORSRule.init)
        } catch let error as S3Error where error.status == 404 && error.code == "NoSuchCORSConfiguration" {
            return nil
        }
    }

    /// Replaces the bucket's CORS configuration (PutBucketCors): 1 to 100 rules. The server
    /// refuses an unsupported method or a pattern with two wildcards with ``S3Error``
    /// `InvalidRequest`, and an empty list with `MalformedXML`.
    public func setCORS(_ rules: [CORSRule]) async throws {
        try Bucket.validateExisting(name)
        var request = S3Request(method: "PUT", bucket: name, query: [QueryItem("cors")])
        request.setDocument(CORSConfiguration(rules: rules.map(\.document)))
        _ = try await connection.send(request)
    }

    /// Removes the bucket's CORS configuration (DeleteBucketCors): cross-origin requests are
    /// then refused by browsers.
    public func deleteCORS() async throws {
        try Bucket.validateExisting(name)
        _ = try await connection.send(S3Request(method: "DELETE", bucket: name, query: [QueryItem("cors")]))
    }
}

extension CORSRule {
    init(_ rule: CORSConfiguration.Rule) {
        self.init(
            id: rule.id, allowedOrigins: rule.allowedOrigins, allowedMethods: rule.allowedMethods.map(Method.init(rawValue:)),
            allowedHeaders: rule.allowedHeaders, exposeHeaders: rule.exposeHeaders, maxAgeSeconds: rule.maxAgeSeconds)
    }

    var document: CORSConfiguration.Rule {
        CORSConfiguration.Rule(
            id: id, allowedMethods: allowedMethods.map(\.rawValue), allowedOrigins: allowedOrigins, allowedHeaders: allowedHeaders,
            exposeHeaders: exposeHeaders, maxAgeSeconds: maxAgeSeconds)
    }
}
