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
        #expect(v4.identity == .user(accessKey: "AKID"))
        #expect(v4.v4 != nil)
        let v2 = try Self.authenticator.authenticate(Self.incoming(signV2(at: Self.now.addingTimeInterval(-600))), now: Self.now)
        #expect(v2.identity == .user(accessKey: "AKID"))
        #expect(try Self.authenticator.authenticate(Self.incoming(Self.base()), now: Self.now).identity == .anonymous)
    }

    @Test func refusesSkewWrongKeysAndTampering() {
        func code(_ request: SignableRequest) -> S3ErrorCode? {
            do {
                _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now)
                return nil
            } catch {
                return error.code
            }
        }
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
        #expect(try Self.authenticator.authenticate(Self.incoming(request), now: Self.now).identity == .user(accessKey: "AKID"))
        #expect(throws: S3ServerError.self) { _ = try Self.authenticator.authenticate(Self.incoming(request), now: Self.now.addingTimeInterval(61)) }

        let v4 = SigV4Signer(credentials: Self.credentials, region: "us-east-1")
        request.query = v4.presignedQuery(Self.base(), expires: 300, date: Self.now)
        #expect(try Self.authenticator.authenticate(Self.incoming(request), now: Self.now.addingTimeInterval(299)).identity == .user(accessKey: "AKID"))
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
}
