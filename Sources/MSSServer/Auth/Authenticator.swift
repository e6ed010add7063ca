import Foundation
import S3Protocol
import HTTPTypes

/// Who sent a request, as far as its signature proves.
enum Identity: Sendable, Hashable {
    case anonymous
    case user(ServerUser)

    /// The signer; nil for an anonymous request.
    var user: ServerUser? {
        guard case .user(let user) = self else { return nil }
        return user
    }
}

/// The outcome of authentication.
struct Authentication: Sendable {
    var identity: Identity
    /// The `x-amz-content-sha256` the signature covers (SigV4 header auth only).
    var payloadHash: String?
    /// What chains the chunk signatures of an `aws-chunked` body (SigV4 header auth only).
    var v4: AWSChunkedDecoder.Verification?
    /// When a presigned URL (SigV2 or SigV4) expires: until then the same request verifies the
    /// same way. nil for other requests, whose date is checked for skew both ways.
    var validUntil: Date?
}

/// Verifies SigV2 and SigV4 signatures, in headers and in presigned URLs, by rebuilding the
/// canonical request with the same protocol code the client signs with.
struct Authenticator: Sendable {
    var keys: AccessKeys
    /// How far a request's date may be from the server's clock.
    var allowedSkew: TimeInterval = 15 * 60
    /// SigV4 signing keys already derived, shared by every copy of the authenticator.
    let signingKeys = SigningKeyCache()

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
        switch try presented(request) {
        case .anonymous: return Authentication(identity: .anonymous)
        case .v2(let authorization): return try verifyV2(request, authorization: authorization, now: now)
        case .v4Header(let authorization): return try verifyV4Header(request, authorization: authorization, now: now)
        case .v4Query(let presigned): return try verifyV4Query(request, presigned: presigned, now: now)
        }
    }

    /// The signature a request presents, parsed; nothing is trusted yet.
    private enum Presented {
        case anonymous
        case v2(SigV2Authorization)
        case v4Header(SigV4Authorization)
        case v4Query(SigV4PresignedQuery)
    }

    private func presented(_ request: Incoming) throws(S3ServerError) -> Presented {
        do throws(SignatureParseError) {
            if let authorization = request.headers["authorization"] {
                if authorization.hasPrefix("AWS4-HMAC-SHA256 ") { return .v4Header(try SigV4Authorization(parsingHeader: authorization)) }
                if authorization.hasPrefix("AWS ") { return .v2(try SigV2Authorization(parsingHeader: authorization)) }
                throw SignatureParseError(400, .invalidArgument, "Unsupported Authorization Type")
            }
            if SigV4PresignedQuery.isPresigned(request.query) { return .v4Query(try SigV4PresignedQuery(parsing: request.query)) }
            if SigV2Authorization.isPresigned(request.query) { return .v2(try SigV2Authorization(parsingQuery: request.query)) }
            return .anonymous
        } catch {
            throw S3ServerError(HTTPResponse.Status(code: error.status), error.code, error.message)
        }
    }

    // MARK: SigV2

    /// Verifies a SigV2 header (`expires` nil: the request's date is checked for skew) or
    /// presigned query (`expires` set). SigV2's string to sign covers every `x-amz-*` header.
    private func verifyV2(_ request: Incoming, authorization: SigV2Authorization, now: Date) throws(S3ServerError)
        -> Authentication
    {
        let user = try lookUp(authorization.accessKey)
        let credentials = user.credentials
        var headers = request.headers
        let dateOrExpires: String
        var validUntil: Date? = nil
        if let expires = authorization.expires {
            if Double(expires) < now.timeIntervalSince1970 {
                throw S3ServerError(.forbidden, .accessDenied, "Request has expired", details: ["Expires": String(expires)])
            }
            if let token = request.query.value(for: "x-amz-security-token") { headers.replace("x-amz-security-token", token) }
            dateOrExpires = request.query.value(for: "Expires") ?? String(expires)
            validUntil = Date(timeIntervalSince1970: TimeInterval(expires))
        } else {
            let dateText = request.headers["x-amz-date"] ?? request.headers["date"]
            guard let dateText, let date = HTTPDate.parseRFC1123(dateText) ?? HTTPDate.parseISO8601Basic(dateText) else {
                throw S3ServerError(.forbidden, .accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
            }
            try checkSkew(date, now: now)
            dateOrExpires = request.headers["x-amz-date"] == nil ? (request.headers["date"] ?? "") : ""
        }
        let signer = SigV2Signer(credentials: credentials)
        let stringToSign = signer.stringToSign(
            method: request.method, headers: headers, dateOrExpires: dateOrExpires, resourcePath: request.v2ResourcePath,
            query: request.query)
        try compare(
            expected: signer.signature(stringToSign: stringToSign), given: authorization.signature, stringToSign: stringToSign,
            accessKey: authorization.accessKey)
        return Authentication(identity: .user(user), validUntil: validUntil)
    }

    // MARK: SigV4

    private func verifyV4Header(_ request: Incoming, authorization: SigV4Authorization, now: Date) throws(S3ServerError)
        -> Authentication
    {
        let scope = authorization.scope
        let dateHeader = request.headers["x-amz-date"] != nil ? "x-amz-date" : "date"
        guard let amzDate = request.headers[dateHeader],
            let date = HTTPDate.parseISO8601Basic(amzDate) ?? HTTPDate.parseRFC1123(amzDate)
        else {
            throw S3ServerError(.forbidden, .accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
        }
        guard HTTPDate.yyyymmdd(date) == scope.day else {
            throw S3ServerError(.badRequest, .authorizationHeaderMalformed, "The authorization header is malformed; the credential date \(scope.day) does not match the request date.")
        }
        try checkSkew(date, now: now)
        guard let payloadHash = request.headers["x-amz-content-sha256"] else {
            throw S3ServerError(.badRequest, .invalidRequest, "Missing required header for this request: x-amz-content-sha256")
        }
        let user = try lookUp(scope.accessKey)
        let credentials = user.credentials
        let names = authorization.signedHeaders
        guard names.contains("host") else {
            throw S3ServerError(.badRequest, .authorizationHeaderMalformed, "The host header must be signed.")
        }
        guard names.contains(dateHeader) else {
            throw S3ServerError(.forbidden, .accessDenied, "The \(dateHeader) header must be signed.")
        }
        try requireSigned(request.headers, names)
        let signer = SigV4Signer(credentials: credentials, region: scope.region)
        let signable = SignableRequest(method: request.method, path: request.rawPath, query: request.query, headers: request.headers)
        let canonical = signer.canonicalRequest(signable, signedHeaders: names, payloadHash: payloadHash)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: date)
        let expected = SigV4Signer.signature(stringToSign: stringToSign, signingKey: signingKeys.key(for: signer, date: date))
        try compare(
            expected: expected, given: authorization.signature, stringToSign: stringToSign, accessKey: scope.accessKey,
            canonicalRequest: canonical)
        return Authentication(
            identity: .user(user), payloadHash: payloadHash,
            v4: AWSChunkedDecoder.Verification(signer: signer, date: date, seedSignature: expected))
    }

    private func verifyV4Query(_ request: Incoming, presigned: SigV4PresignedQuery, now: Date) throws(S3ServerError)
        -> Authentication
    {
        let date = presigned.date
        if date.timeIntervalSince(now) > allowedSkew {
            throw S3ServerError(.forbidden, .requestTimeTooSkewed, "The difference between the request time and the current time is too large.")
        }
        if date.addingTimeInterval(TimeInterval(presigned.expires)) < now {
            throw S3ServerError(.forbidden, .accessDenied, "Request has expired", details: ["X-Amz-Expires": String(presigned.expires)])
        }
        let scope = presigned.authorization.scope
        let user = try lookUp(scope.accessKey)
        let credentials = user.credentials
        let names = presigned.authorization.signedHeaders
        try requireSigned(request.headers, names)
        let signer = SigV4Signer(credentials: credentials, region: scope.region)
        var signable = SignableRequest(method: request.method, path: request.rawPath, query: request.query, headers: request.headers)
        signable.query.removeAll { $0.name == "X-Amz-Signature" }
        let payloadHash = presigned.contentSHA256 ?? SigV4Signer.unsignedPayload
        let canonical = signer.canonicalRequest(signable, signedHeaders: names, payloadHash: payloadHash)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: date)
        try compare(
            expected: SigV4Signer.signature(stringToSign: stringToSign, signingKey: signingKeys.key(for: signer, date: date)),
            given: presigned.authorization.signature,
            stringToSign: stringToSign, accessKey: scope.accessKey, canonicalRequest: canonical)
        return Authentication(identity: .user(user), payloadHash: payloadHash, validUntil: date.addingTimeInterval(TimeInterval(presigned.expires)))
    }

    /// Refuses a SigV4 request carrying an `x-amz-*` header its signature does not cover, as S3
    /// does: such a header changes what the request does (`x-amz-copy-source` turns a PUT into a
    /// copy, `x-amz-acl` publishes the result), so whoever holds a signature could otherwise add
    /// it. Every signed header must also be present.
    private func requireSigned(_ headers: SignableHeaders, _ signed: [String]) throws(S3ServerError) {
        let signedNames = Set(signed)
        let unsigned = Set(headers.fields.map { $0.name.lowercased() }.filter { $0.hasPrefix("x-amz-") && !signedNames.contains($0) })
        if !unsigned.isEmpty {
            throw S3ServerError(
                .forbidden, .accessDenied, "There were headers present in the request which were not signed",
                details: ["HeadersNotSigned": unsigned.sorted().joined(separator: ", ")])
        }
        for name in signed where headers[name] == nil {
            throw S3ServerError(.forbidden, .accessDenied, "The signed header \(name.prefix(64)) is missing from the request.")
        }
    }

    // MARK: Shared

    private func lookUp(_ accessKey: String) throws(S3ServerError) -> ServerUser {
        guard let user = keys.user(accessKey: accessKey) else {
            throw S3ServerError(.forbidden, .invalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.", details: ["AWSAccessKeyId": accessKey])
        }
        return user
    }

    private func checkSkew(_ date: Date, now: Date) throws(S3ServerError) {
        guard abs(date.timeIntervalSince(now)) <= allowedSkew else {
            throw S3ServerError(
                .forbidden, .requestTimeTooSkewed, "The difference between the request time and the current time is too large.",
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
                .forbidden, .signatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                details: details)
        }
    }
}
