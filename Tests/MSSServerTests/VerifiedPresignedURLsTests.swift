import Foundation
import HTTPTypes
import S3Protocol
import Testing

@testable import MSSServer

/// What a verified presigned URL is remembered by covers the whole request but its signature, and
/// the remembered verification holds only for the same signature and until the URL expires.
@Suite struct VerifiedPresignedURLsTests {
    static let credentials = Credentials(accessKey: "AKID", secretKey: "secret-key-123")
    static let user = ServerUser(credentials: credentials)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func fields(_ pairs: [(String, String)] = []) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    static func parts(_ target: String, authority: String? = "127.0.0.1:9000", fields: HTTPFields = fields(), method: String = "GET")
        -> VerifiedPresignedURLs.Parts?
    {
        VerifiedPresignedURLs.parts(method: method, target: target[...], authority: authority, fields: fields)
    }

    @Test func theSignatureIsSplitOffInItsPlace() throws {
        let v4 = try #require(Self.parts("/b/k?X-Amz-Date=1&X-Amz-Signature=abc&X-Amz-Expires=5"))
        #expect(v4.signature == "abc")
        #expect(v4.request.hasPrefix("GET /b/k?X-Amz-Date=1&\u{0}&X-Amz-Expires=5\n@127.0.0.1:9000"))
        let v2 = try #require(Self.parts("/b/k?AWSAccessKeyId=A&Expires=9&Signature=s%2Bg"))
        #expect(v2.signature == "s%2Bg")
        // The same parameters in another order, or the signature elsewhere, are another request.
        let moved = try #require(Self.parts("/b/k?X-Amz-Signature=abc&X-Amz-Date=1&X-Amz-Expires=5"))
        #expect(moved.request != v4.request)
    }

    @Test func everythingButTheSignatureTellsRequestsApart() throws {
        let target = "/b/k?X-Amz-Date=1&X-Amz-Signature=abc"
        let plain = try #require(Self.parts(target))
        let requests = [
            Self.parts(target, method: "HEAD"),
            Self.parts(target, authority: "127.0.0.1:9001"),
            Self.parts(target, authority: ""),
            Self.parts(target, authority: nil),
            Self.parts(target, fields: Self.fields([("user-agent", "x")])),
            Self.parts("/b/k2?X-Amz-Date=1&X-Amz-Signature=abc"),
            Self.parts("/b/k?X-Amz-Date=2&X-Amz-Signature=abc"),
        ].map { $0?.request }
        #expect(Set(requests + [plain.request]).count == requests.count + 1)
    }

    @Test func requestsThatCannotBeRememberedExactlyAreNot() {
        #expect(Self.parts("/b/k") == nil)
        #expect(Self.parts("/b/k?X-Amz-Date=1") == nil)
        #expect(Self.parts("/b/k?X-Amz-Signature=a&X-Amz-Signature=b") == nil)
        #expect(Self.parts("/b/k?Signature=a&X-Amz-Signature=b") == nil)
        #expect(Self.parts("/b/k?X-Amz-Signature=a&x=\u{0}") == nil)
        #expect(Self.parts("/b/é?X-Amz-Signature=a") == nil)
        #expect(Self.parts("/b/k?X-Amz-Signature=a", fields: Self.fields([("authorization", "AWS x:y")])) == nil)
    }

    @Test func aRememberedURLHoldsForItsSignatureUntilItExpires() throws {
        let urls = VerifiedPresignedURLs()
        let parts = try #require(Self.parts("/b/k?X-Amz-Date=1&X-Amz-Signature=abcd"))
        #expect(urls.user(parts, now: Self.now) == nil)
        urls.remember(parts, Authentication(identity: .user(Self.user), validUntil: Self.now.addingTimeInterval(60)))
        #expect(urls.user(parts, now: Self.now) == Self.user)
        #expect(urls.user(parts, now: Self.now.addingTimeInterval(60)) == Self.user)
        #expect(urls.user(parts, now: Self.now.addingTimeInterval(61)) == nil)
        let tampered = try #require(Self.parts("/b/k?X-Amz-Date=1&X-Amz-Signature=abce"))
        #expect(tampered.request == parts.request)
        #expect(urls.user(tampered, now: Self.now) == nil)
        let shorter = try #require(Self.parts("/b/k?X-Amz-Date=1&X-Amz-Signature=abc"))
        #expect(urls.user(shorter, now: Self.now) == nil)

        // Only a presigned URL's verification is remembered: an anonymous request or a header
        // signature has no expiry to hold until.
        let other = try #require(Self.parts("/b/other?X-Amz-Signature=abcd"))
        urls.remember(other, Authentication(identity: .anonymous, validUntil: Self.now.addingTimeInterval(60)))
        urls.remember(other, Authentication(identity: .user(Self.user)))
        #expect(urls.user(other, now: Self.now) == nil)
    }

    /// The authenticator reports when each kind of presigned URL expires, which is what the
    /// remembered verification holds until.
    @Test func presignedVerificationsSayWhenTheyExpire() throws {
        let authenticator = Authenticator(keys: AccessKeys([Self.credentials]))
        var request = SignableRequest(method: "GET", path: "/bucket/key", headers: SignableHeaders([("host", "127.0.0.1:9000")]))
        request.query = SigV4Signer(credentials: Self.credentials, region: "us-east-1").presignedQuery(request, expires: 300, date: Self.now)
        let incoming = Authenticator.Incoming(
            method: "GET", rawPath: request.path, v2ResourcePath: request.path, query: request.query, headers: request.headers)
        #expect(try authenticator.authenticate(incoming, now: Self.now).validUntil == Self.now.addingTimeInterval(300))

        var v2 = SignableRequest(method: "GET", path: "/bucket/key", headers: SignableHeaders([("host", "127.0.0.1:9000")]))
        v2.query = SigV2Signer(credentials: Self.credentials).presignedQuery(v2, expires: 1_800_000_060)
        let incomingV2 = Authenticator.Incoming(method: "GET", rawPath: v2.path, v2ResourcePath: v2.path, query: v2.query, headers: v2.headers)
        #expect(try authenticator.authenticate(incomingV2, now: Self.now).validUntil == Self.now.addingTimeInterval(60))

        var signed = SignableRequest(method: "GET", path: "/bucket/key", headers: SignableHeaders([("host", "127.0.0.1:9000")]))
        SigV4Signer(credentials: Self.credentials, region: "us-east-1").sign(&signed, payloadHash: Digests.emptySHA256Hex, date: Self.now)
        let headerSigned = Authenticator.Incoming(
            method: "GET", rawPath: signed.path, v2ResourcePath: signed.path, query: signed.query, headers: signed.headers)
        #expect(try authenticator.authenticate(headerSigned, now: Self.now).validUntil == nil)
    }
}
