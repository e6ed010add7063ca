import Foundation
import S3Protocol
import Testing

@testable import MSSServer

/// The verifier against requests signed by the client-side signers, with fixed clocks.
@Suite struct AuthenticatorTests {
    static let credentials = Credentials(accessKey: "AKID", secretKey: "secret-key-123")
    static let authenticator = Authenticator(keys: AccessKeys([credentials]))
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func incoming(_ request: SignableRequest) -> Authenticator.Incoming {
        Authenticator.Incoming(
            method: request.method, rawPath: request.path, v2ResourcePath: request.path, query: request.query,
            headers: request.headers)
    }

    static func base() -> SignableRequest {
        SignableRequest(method: "GET", path: "/bucket/a%20key", headers: SignableHeaders([("host", "127.0.0.1:9000")]))
    }

    func signV4(at date: Date, secret: String = credentials.secretKey) -> SignableRequest {
        var request = Self.base()
        SigV4Signer(credentials: Credentials(accessKey: "AKID", secretKey: secret), region: "us-east-1")
            .sign(&request, payloadHash: Digests.emptySHA256Hex, date: date)
        return request
    }

    func signV2(at date: Date) -> SignableRequest {
        var request = Self.base()
        SigV2Signer(credentials: Self.credentials).sign(&request, date: date)
        return request
    }

    @Test func acceptsFreshSignatures() throws {
        let v4 = try Self.authenticator.authenticate(Self.incoming(signV4(at: Self.now)), now: Self.now)
        #expect(v4.identity == .user(ServerUser(credentials: Self.credentials)))
        #expect(v4.v4 != nil)
        let v2 = try Self.authenticator.authenticate(Self.incoming(signV2(at: Self.now.addingTimeInterval(-600))), now: Self.now)
        #expect(v2.identity == .user(ServerUser(credentials: Self.credentials)))
        #expect(try Self.authenticator.authenticate(Self.incoming(Self.base()), now: Self.now).identity == .anonymous)
    }

    @Test func refusesSkewWrongKeysAndTampering() {
        #expect(code(signV4(at: Self.now.addingTimeInterval(-16 * 60))) == .requestTimeTooSkewed)
        #expect(code(signV4(at: Self.now.addingTimeInterval(16 * 60))) == .requestTimeTooSkewed)
        #expect(code(signV2(at: Self.now.addingTimeInterval(3600))) == .requestTimeTooSkewed)
        #expect(code(signV4(at: Self.now, secret: "wrong")) == .signatureDoesNotMatch)
        var tampered = signV4(at: Self.now)
        tampered.path = "/bucket/another"
        #expect(code(tampered) == .signatureDoesNotMatch)
        var stranger = Self.base()
        SigV2Signer(credentials: Credentials(accessKey: "NOBODY", secretKey: "x")).sign(&stranger, date: Self.now)
        #expect(code(stranger) == .invalidAccessKeyId)
        var garbage = Self.base()
        garbage.headers.add("Authorization", "Bearer token")
        #expect(code(garbage) == .invalidArgument)
    }

    @Test func presignedURLsExpire() throws {
        let v2 = SigV2Signer(credentials: Self.credentials)
        var request = Self.base()
        request.query = v2.presignedQuery(Self.base(), expires: Int(Self.now.timeIntervalSince1970) + 60)
        #expect(try Self.authenticator.authenticate(Self.incoming(request), now: Self.now).identity == .user(ServerUser(credentials: Self.credentials)))
        #expect(throws: S3ServerError.self) { _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now.addingTimeInterval(61)) }

        let v4 = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
        request.query = v4.presignedQuery(Self.base(), expires: 300, date: Self.now)
        #expect(try Self.authenticator.authenticate(Self.incoming(request), now: Self.now.addingTimeInterval(299)).identity == .user(ServerUser(credentials: Self.credentials)))
        let expired = #expect(throws: S3ServerError.self) {
            _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now.addingTimeInterval(301))
        }
        #expect(expired?.code == .accessDenied)
        request.query = request.query.map { $0.name == "X-Amz-Expires" ? QueryItem($0.name, "3000") : $0 }
        let extended = #expect(throws: S3ServerError.self) {
            _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now)
        }
        #expect(extended?.code == .signatureDoesNotMatch)
    }

    /// The code a request is refused with; nil when it is accepted.
    func code(_ request: SignableRequest) -> S3ErrorCode? {
        do {
            _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now)
            return nil
        } catch {
            return error.code
        }
    }

    /// The reproduction of the issue: whoever holds a presigned PUT adds `x-amz-copy-source` and
    /// `x-amz-acl`, which the URL did not sign, to turn it into a public copy of a private object.
    @Test func unsignedAmzHeadersAreRefused() {
        let v4 = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
        var put = SignableRequest(method: "PUT", path: "/attacker/x", headers: SignableHeaders([("host", "127.0.0.1:9000")]))
        put.query = v4.presignedQuery(put, expires: 300, date: Self.now)
        #expect(code(put) == nil)
        var exfiltration = put
        exfiltration.headers.add("x-amz-copy-source", "/private/secret")
        exfiltration.headers.add("x-amz-acl", "public-read")
        #expect(code(exfiltration) == .accessDenied)

        var signed = signV4(at: Self.now)
        #expect(code(signed) == nil)
        signed.headers.add("X-Amz-ACL", "public-read")
        #expect(code(signed) == .accessDenied)

        // Headers that are not x-amz-* may ride along unsigned, as with AWS.
        var withAgent = signV4(at: Self.now)
        withAgent.headers.add("User-Agent", "anything")
        #expect(code(withAgent) == nil)

        // SigV2 signs every x-amz-* header by construction: adding one breaks the signature.
        var v2 = signV2(at: Self.now)
        v2.headers.add("x-amz-copy-source", "/private/secret")
        #expect(code(v2) == .signatureDoesNotMatch)
    }

    @Test func presignedV4MustSignTheHostAndCoversTheBodyHash() throws {
        let v4 = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
        var hostless = SignableRequest(method: "GET", path: "/bucket/a", headers: SignableHeaders([("range", "bytes=0-1")]))
        hostless.query = v4.presignedQuery(hostless, expires: 300, date: Self.now)
        hostless.headers.add("host", "127.0.0.1:9000")
        #expect(code(hostless) == "AuthorizationQueryParametersError")

        // The hash rides in the query, signed with the rest; the server reads there what the body
        // must match.
        let hash = Digests.sha256Hex(Array("A".utf8))
        var put = SignableRequest(
            method: "PUT", path: "/bucket/a", query: [QueryItem("X-Amz-Content-Sha256", hash)],
            headers: SignableHeaders([("host", "127.0.0.1:9000")]))
        put.query = v4.presignedQuery(put, expires: 300, date: Self.now, payloadHash: hash)
        #expect(try Self.authenticator.authenticate(Self.incoming(put), now: Self.now).payloadHash == hash)
        // Added to a URL signed without it, the parameter breaks the signature.
        var unsigned = SignableRequest(method: "PUT", path: "/bucket/a", headers: put.headers)
        unsigned.query = v4.presignedQuery(unsigned, expires: 300, date: Self.now) + [QueryItem("X-Amz-Content-Sha256", hash)]
        #expect(code(unsigned) == .signatureDoesNotMatch)
    }

    @Test func hostileNumbersAndDatesAreRefusedNotTrapped() {
        var hugeYear = Self.base()
        hugeYear.headers.add("x-amz-date", "99999999T000000Z")
        hugeYear.headers.add("x-amz-content-sha256", Digests.emptySHA256Hex)
        hugeYear.headers.add("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/99999999/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + String(repeating: "0", count: 64))
        #expect(code(hugeYear) == .accessDenied)
        var v2Date = Self.base()
        v2Date.headers.add("Date", "Tue, 27 Mar 99999999999 19:36:42 GMT")
        v2Date.headers.add("Authorization", "AWS AKID:c2lnbmF0dXJl")
        #expect(code(v2Date) == .accessDenied)
        var expires = Self.base()
        expires.query = [QueryItem("AWSAccessKeyId", "AKID"), QueryItem("Signature", "x"), QueryItem("Expires", "99999999999999999999")]
        #expect(code(expires) == .accessDenied)
        var v4Expires = Self.base()
        v4Expires.query = SigV4Signer(credentials: Self.credentials, region: "us-east-1").presignedQuery(Self.base(), expires: 300, date: Self.now)
            .map { $0.name == "X-Amz-Expires" ? QueryItem($0.name, "99999999999999999999") : $0 }
        #expect(code(v4Expires) == .invalidArgument)
    }
}

