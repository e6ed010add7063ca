import Foundation
import S3Protocol

/// Who sent a request, as far as its signature proves.
enum Identity: Sendable, Hashable {
    case anonymous
    case user(accessKey: String)
}

/// What a verified SigV4 request carries forward: the key and seed signature that chain the
/// signatures of an `aws-chunked` body.
struct SigV4Context: Sendable {
    var signer: SigV4Signer
    var date: Date
    var seedSignature: String
}

/// The outcome of authentication.
struct Authentication: Sendable {
    var identity: Identity
    /// The `x-amz-content-sha256` the signature covers (SigV4 header auth only).
    var payloadHash: String?
    var v4: SigV4Context?
}

/// Verifies SigV2 and SigV4 signatures, in headers and in presigned URLs, by rebuilding the
/// canonical request with the same protocol code the client signs with.
struct Authenticator: Sendable {
    var keys: AccessKeys
    /// How far a request's date may be from the server's clock.
    var allowedSkew: TimeInterval = 15 * 60

    /// The parts of an incoming request a signature can cover.
    struct Incoming: Sendable {
        var method: String
        /// The path exactly as received (percent-encoded).
        var rawPath: String
        /// The SigV2 canonical resource path: the raw path, except that a bucket-level request is
        /// `/bucket/` whether or not the slash was sent (clients sign it with the slash).
        var v2ResourcePath: String
        var query: [QueryItem]
        var headers: SignableHeaders
    }

    func authenticate(_ request: Incoming, now: Date = Date()) throws(S3ServerError) -> Authentication {
        if let authorization = request.headers["authorization"] {
            if authorization.hasPrefix("AWS4-HMAC-SHA256 ") {
                return try verifyV4Header(request, authorization: authorization, now: now)
            }
            if authorization.hasPrefix("AWS ") {
                return try verifyV2Header(request, authorization: authorization, now: now)
            }
            throw S3ServerError(400, "InvalidArgument", "Unsupported Authorization Type")
        }
        if request.query.contains("X-Amz-Signature") || request.query.contains("X-Amz-Algorithm") {
            return try verifyV4Query(request, now: now)
        }
        if request.query.contains("Signature") || request.query.contains("AWSAccessKeyId") {
            return try verifyV2Query(request, now: now)
        }
        return Authentication(identity: .anonymous)
    }

    // MARK: SigV2

    private func verifyV2Header(_ request: Incoming, authorization: String, now: Date) throws(S3ServerError)
        -> Authentication
    {
        let value = authorization.dropFirst(4)
        guard let colon = value.lastIndex(of: ":") else {
            throw S3ServerError(400, "InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
        }
        let accessKey = String(value[..<colon])
        let signature = String(value[value.index(after: colon)...])
        let credentials = try lookUp(accessKey)
        let dateText = request.headers["x-amz-date"] ?? request.headers["date"]
        guard let dateText, let date = HTTPDate.parseRFC1123(dateText) ?? HTTPDate.parseISO8601Basic(dateText) else {
            throw S3ServerError(403, .accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
        }
        try checkSkew(date, now: now)
        let signer = SigV2Signer(credentials: credentials)
        let stringToSign = signer.stringToSign(
            method: request.method, headers: request.headers,
            dateOrExpires: request.headers["x-amz-date"] == nil ? (request.headers["date"] ?? "") : "",
            resourcePath: request.v2ResourcePath, query: request.query)
        try compare(expected: signer.signature(stringToSign: stringToSign), given: signature, stringToSign: stringToSign, accessKey: accessKey)
        return Authentication(identity: .user(accessKey: accessKey))
    }

    private func verifyV2Query(_ request: Incoming, now: Date) throws(S3ServerError) -> Authentication {
        guard let accessKey = request.query.value(for: "AWSAccessKeyId"), let signature = request.query.value(for: "Signature"),
            let expiresText = request.query.value(for: "Expires")
        else {
            throw S3ServerError(403, .accessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
        }
        guard let expires = Int(expiresText) else {
            throw S3ServerError(403, .accessDenied, "Invalid date (should be seconds since epoch): \(expiresText)")
        }
        let credentials = try lookUp(accessKey)
        if Double(expires) < now.timeIntervalSince1970 {
            throw S3ServerError(403, .accessDenied, "Request has expired", details: ["Expires": expiresText])
        }
        var headers = request.headers
        if let token = request.query.value(for: "x-amz-security-token") { headers.replace("x-amz-security-token", token) }
        let signer = SigV2Signer(credentials: credentials)
        let stringToSign = signer.stringToSign(
            method: request.method, headers: headers, dateOrExpires: expiresText, resourcePath: request.v2ResourcePath,
            query: request.query)
        try compare(expected: signer.signature(stringToSign: stringToSign), given: signature, stringToSign: stringToSign, accessKey: accessKey)
        return Authentication(identity: .user(accessKey: accessKey))
    }

    // MARK: SigV4

    private struct V4Parameters {
        var accessKey: String
        var date: String
        var region: String
        var service: String
        var signedHeaders: [String]
        var signature: String
    }

    private func parseCredential(_ credential: String) throws(S3ServerError) -> (String, String, String, String) {
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[4] == "aws4_request" else {
            throw S3ServerError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
        }
        guard parts[3] == "s3" else {
            throw S3ServerError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service \"\(parts[3])\". This endpoint belongs to \"s3\".")
        }
        return (parts[0], parts[1], parts[2], parts[3])
    }

    private func verifyV4Header(_ request: Incoming, authorization: String, now: Date) throws(S3ServerError)
        -> Authentication
    {
        var fields: [String: String] = [:]
        for part in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            fields[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"], let signature = fields["Signature"] else {
            throw S3ServerError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; it must hold Credential, SignedHeaders and Signature.")
        }
        let (accessKey, day, region, _) = try parseCredential(credential)
        guard let amzDate = request.headers["x-amz-date"] ?? request.headers["date"],
            let date = HTTPDate.parseISO8601Basic(amzDate) ?? HTTPDate.parseRFC1123(amzDate)
        else {
            throw S3ServerError(403, .accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
        }
        guard HTTPDate.yyyymmdd(date) == day else {
            throw S3ServerError(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the credential date \(day) does not match the request date.")
        }
        try checkSkew(date, now: now)
        guard let payloadHash = request.headers["x-amz-content-sha256"] else {
            throw S3ServerError(400, .invalidRequest, "Missing required header for this request: x-amz-content-sha256")
        }
        let credentials = try lookUp(accessKey)
        let names = signedHeaders.split(separator: ";").map { $0.lowercased() }
        guard names.contains("host") else {
            throw S3ServerError(400, "AuthorizationHeaderMalformed", "The host header must be signed.")
        }
        let signer = SigV4Signer(credentials: credentials, region: region)
        let signable = SignableRequest(method: request.method, path: request.rawPath, query: request.query, headers: request.headers)
        let canonical = signer.canonicalRequest(signable, signedHeaders: names, payloadHash: payloadHash)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: date)
        let expected = signer.signature(stringToSign: stringToSign, date: date)
        try compare(expected: expected, given: signature, stringToSign: stringToSign, accessKey: accessKey, canonicalRequest: canonical)
        return Authentication(
            identity: .user(accessKey: accessKey), payloadHash: payloadHash,
            v4: SigV4Context(signer: signer, date: date, seedSignature: expected))
    }

    private func verifyV4Query(_ request: Incoming, now: Date) throws(S3ServerError) -> Authentication {
        let query = request.query
        guard query.value(for: "X-Amz-Algorithm") == SigV4Signer.algorithm else {
            throw S3ServerError(400, .invalidArgument, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        }
        guard let credential = query.value(for: "X-Amz-Credential"), let amzDate = query.value(for: "X-Amz-Date"),
            let expiresText = query.value(for: "X-Amz-Expires"), let signedHeaders = query.value(for: "X-Amz-SignedHeaders"),
            let signature = query.value(for: "X-Amz-Signature")
        else {
            throw S3ServerError(400, .invalidArgument, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        }
        let (accessKey, day, region, _) = try parseCredential(credential)
        guard let date = HTTPDate.parseISO8601Basic(amzDate), HTTPDate.yyyymmdd(date) == day else {
            throw S3ServerError(400, .invalidArgument, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\" and match the credential date")
        }
        guard let expires = Int(expiresText), expires >= 0, expires <= SigV4Signer.maximumPresignExpiry else {
            throw S3ServerError(400, .invalidArgument, "X-Amz-Expires must be between 0 and 604800 seconds")
        }
        if date.timeIntervalSince(now) > allowedSkew {
            throw S3ServerError(403, .requestTimeTooSkewed, "The difference between the request time and the current time is too large.")
        }
        if date.addingTimeInterval(TimeInterval(expires)) < now {
            throw S3ServerError(403, .accessDenied, "Request has expired", details: ["X-Amz-Expires": expiresText])
        }
        let credentials = try lookUp(accessKey)
        let names = signedHeaders.split(separator: ";").map { $0.lowercased() }
        let signer = SigV4Signer(credentials: credentials, region: region)
        var signable = SignableRequest(method: request.method, path: request.rawPath, query: query, headers: request.headers)
        signable.query.removeAll { $0.name == "X-Amz-Signature" }
        let payloadHash = query.value(for: "X-Amz-Content-Sha256") ?? SigV4Signer.unsignedPayload
        let canonical = signer.canonicalRequest(signable, signedHeaders: names, payloadHash: payloadHash)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: date)
        try compare(
            expected: signer.signature(stringToSign: stringToSign, date: date), given: signature, stringToSign: stringToSign,
            accessKey: accessKey, canonicalRequest: canonical)
        return Authentication(identity: .user(accessKey: accessKey), payloadHash: payloadHash)
    }

    // MARK: Shared

    private func lookUp(_ accessKey: String) throws(S3ServerError) -> Credentials {
        guard let credentials = keys.credentials(for: accessKey) else {
            throw S3ServerError(403, .invalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.", details: ["AWSAccessKeyId": accessKey])
        }
        return credentials
    }

    private func checkSkew(_ date: Date, now: Date) throws(S3ServerError) {
        guard abs(date.timeIntervalSince(now)) <= allowedSkew else {
            throw S3ServerError(
                403, .requestTimeTooSkewed, "The difference between the request time and the current time is too large.",
                details: ["RequestTime": HTTPDate.rfc1123(date), "ServerTime": HTTPDate.rfc1123(now)])
        }
    }

    /// Constant-time comparison. The string to sign goes back in the error, as S3 does, to help
    /// clients find their mistake; it holds no secret.
    private func compare(
        expected: String, given: String, stringToSign: String, accessKey: String, canonicalRequest: String? = nil
    ) throws(S3ServerError) {
        guard Digests.constantTimeEquals(expected, given) else {
            var details = ["AWSAccessKeyId": accessKey, "StringToSign": stringToSign]
            if let canonicalRequest { details["CanonicalRequest"] = canonicalRequest }
            throw S3ServerError(
                403, .signatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                details: details)
        }
    }
}
