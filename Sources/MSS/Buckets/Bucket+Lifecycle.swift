import NIOCore
public import S3Protocol

extension S3ErrorCode {
    /// GetBucketLifecycleConfiguration on a bucket without rules.
    public static let noSuchLifecycleConfiguration: S3ErrorCode = "NoSuchLifecycleConfiguration"
}

extension Bucket {
    /// The bucket's lifecycle rules (GetBucketLifecycleConfiguration), nil when it has none.
    ///
    /// ```swift
    /// if let rules = try await bucket.lifecycle()?.rules {
    ///     for rule in rules { print(rule.id ?? "", rule.status, rule.expiration?.days ?? 0) }
    /// }
    /// ```
    public func lifecycle() async throws -> LifecycleConfiguration? {
        try Bucket.validateExisting(name)
        do {
            let response = try await connection.send(S3Request(method: "GET", bucket: name, query: [QueryItem("lifecycle")]))
            return try connection.decode(LifecycleConfiguration.self, from: response)
        } catch let error as S3Error where error.code == .noSuchLifecycleConfiguration {
            return nil
        }
    }

    /// Replaces the bucket's lifecycle rules (PutBucketLifecycleConfiguration). The server
    /// judges the rules and answers S3's errors (``S3Error``), such as `InvalidArgument` for
    /// zero days; the body goes with its `Content-MD5`, which S3 requires.
    ///
    /// ```swift
    /// try await bucket.setLifecycle(LifecycleConfiguration(rules: [
    ///     LifecycleRule(id: "logs", filter: .init(prefix: "logs/"), expiration: .init(days: 30)),
    ///     LifecycleRule(id: "uploads", filter: .init(), abortIncompleteMultipartUploadDays: 7),
    /// ]))
    /// ```
    public func setLifecycle(_ configuration: LifecycleConfiguration) async throws {
        try Bucket.validateExisting(name)
        guard !configuration.rules.isEmpty else {
            throw MSSClientError.invalidArgument("a lifecycle configuration needs at least one rule; use deleteLifecycle() to remove them all")
        }
        guard configuration.rules.count <= LifecycleConfiguration.maximumRules else {
            throw MSSClientError.invalidArgument("a lifecycle configuration holds at most \(LifecycleConfiguration.maximumRules) rules")
        }
        let body = Array(configuration.serialized().utf8)
        var request = S3Request(method: "PUT", bucket: name, query: [QueryItem("lifecycle")])
        request.headers.add("Content-Type", "application/xml")
        request.headers.add("Content-MD5", Digests.md5Base64(body))
        request.body = .bytes(ByteBuffer(bytes: body))
        _ = try await connection.send(request)
    }

    /// Removes every lifecycle rule of the bucket (DeleteBucketLifecycle); succeeds when there
    /// were none.
    public func deleteLifecycle() async throws {
        try Bucket.validateExisting(name)
        _ = try await connection.send(S3Request(method: "DELETE", bucket: name, query: [QueryItem("lifecycle")]))
    }
}
