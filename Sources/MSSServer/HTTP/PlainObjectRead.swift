import S3Protocol

/// A GET or HEAD of an object that asks for nothing but the object itself: no sub-resource,
/// version, range, condition, override, encryption key or CORS origin. Its answer is the same
/// whoever sends it (once authorised), so ``ReadAnswerCache`` may keep it and
/// ``FastReadHandler`` give it again; `x-amz-checksum-mode: ENABLED` only adds the object's
/// checksums, which the cache keeps too.
///
/// Both lists are what is known to change nothing in the answer; anything else, however
/// harmless, takes the full path.
enum PlainObjectRead {
    /// The query of a presigned URL, SigV4 or SigV2.
    static let signatureParameters: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
        "AWSAccessKeyId", "Expires", "Signature",
    ]

    /// Headers (lower case) that only carry the request or its signature.
    static let neutralHeaders: Set<String> = [
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "connection", "keep-alive",
        "authorization", "date", "x-amz-date", "x-amz-content-sha256", "amz-sdk-invocation-id", "amz-sdk-request",
    ]

    /// The header that asks for checksums, and the one value that does (any other is ignored by
    /// S3 and sent the full path here).
    static let checksumMode = (name: "x-amz-checksum-mode", enabled: "ENABLED")

    /// `headers`: each field's name in lower case, and its value.
    static func isPlain(query: [QueryItem], headers: some Sequence<(name: String, value: String)>) -> Bool {
        query.allSatisfy { signatureParameters.contains($0.name) }
            && headers.allSatisfy { neutralHeaders.contains($0.name) || $0 == checksumMode }
    }

    static func isPlain(_ request: ServerRequest) -> Bool {
        (request.method == "GET" || request.method == "HEAD")
            && isPlain(query: request.query, headers: request.headers.fields.lazy.map { (name: $0.name.lowercased(), value: $0.value) })
    }
}
