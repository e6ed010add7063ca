import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import S3Protocol
import Testing

@testable import MSSServer

/// The S3 handler answering HTTP requests in process, through Hummingbird's router test
/// framework (no sockets): the real `S3Handler` over a store in a temporary directory, with
/// strict authentication, as `MSSServer.run` builds it.
@Suite struct S3HandlerHTTPTests {
    static let credentials = Credentials(accessKey: "HANDLERTESTKEY01", secretKey: "handler-test-secret-0001")
    /// The authority the router test framework puts on every request, which SigV4 signs as `host`.
    static let host = "localhost"

    /// Runs `body` against a handler over a fresh data directory, removed afterwards.
    func withHandler(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "mss-server.handler-tests")
        logger.logLevel = .warning
        let store = try await ObjectStore(path: directory, logger: logger)
        let handler = S3Handler(store: store, authenticator: Authenticator(keys: AccessKeys([Self.credentials])), logger: logger)
        try await Application(responder: handler, logger: logger).test(.router, body)
    }

    /// The headers of `method path` signed with SigV4 now, for a body of `body`. The host is
    /// signed but not returned: the request's authority carries it.
    static func signedHeaders(
        _ method: HTTPRequest.Method, _ path: String, body: [UInt8] = [], credentials: Credentials = credentials
    ) -> HTTPFields {
        var request = SignableRequest(method: method.rawValue, path: path, headers: SignableHeaders([("host", host)]))
        SigV4Signer(credentials: credentials, region: "us-east-1").sign(&request, payloadHash: Digests.sha256Hex(body), date: Date())
        var fields = HTTPFields()
        for (name, value) in request.headers where name.lowercased() != "host" {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        return fields
    }

    /// Sends a request, signed unless `signed` is false, and checks what every answer carries:
    /// a request id, also in the body of an error.
    @discardableResult
    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, body: [UInt8]? = nil, signed: Bool = true
    ) async throws -> TestResponse {
        let headers = signed ? signedHeaders(method, path, body: body ?? []) : HTTPFields()
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        let requestID = try #require(response.headers[HTTPField.Name("x-amz-request-id")!], "\(method) \(path) has no x-amz-request-id")
        #expect(!requestID.isEmpty)
        if response.status.code >= 300, method != .head {
            #expect(try errorDocument(response).requestID == requestID)
        }
        return response
    }

    static func errorDocument(_ response: TestResponse) throws -> ErrorDocument {
        #expect(response.headers[.contentType] == "application/xml")
        return try ErrorDocument(bytes: Array(response.body.readableBytesView))
    }

    @Test func unsignedRequestsAreAccessDenied() async throws {
        try await withHandler { client in
            let list = try await Self.send(client, .get, "/", signed: false)
            #expect(list.status == .forbidden)
            #expect(try Self.errorDocument(list).code == "AccessDenied")

            try await Self.send(client, .put, "/private-bucket")
            let read = try await Self.send(client, .get, "/private-bucket/k", signed: false)
            #expect(read.status == .forbidden)
            #expect(try Self.errorDocument(read).code == "AccessDenied")
            let write = try await Self.send(client, .put, "/private-bucket/k", body: Array("x".utf8), signed: false)
            #expect(write.status == .forbidden)
            #expect(try Self.errorDocument(write).code == "AccessDenied")

            // Signed, but with the wrong secret: the signature is checked, not just present.
            let wrong = Credentials(accessKey: Self.credentials.accessKey, secretKey: "not-the-secret-key")
            let forged = try await client.execute(
                uri: "/private-bucket", method: .get, headers: Self.signedHeaders(.get, "/private-bucket", credentials: wrong))
            #expect(forged.status == .forbidden)
            #expect(try Self.errorDocument(forged).code == "SignatureDoesNotMatch")
            #expect(forged.headers[HTTPField.Name("x-amz-request-id")!] != nil)
        }
    }

    @Test func signedPutThenGetReturnsTheBytes() async throws {
        try await withHandler { client in
            let created = try await Self.send(client, .put, "/photos")
            #expect(created.status == .ok)
            let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let put = try await Self.send(client, .put, "/photos/a%20key.bin", body: bytes)
            #expect(put.status == .ok)
            #expect(put.headers[.eTag] == "\"\(Digests.md5Hex(bytes))\"")

            let get = try await Self.send(client, .get, "/photos/a%20key.bin")
            #expect(get.status == .ok)
            #expect(Array(get.body.readableBytesView) == bytes)
            #expect(get.headers[.contentLength] == String(bytes.count))
            #expect(get.headers[.eTag] == put.headers[.eTag])
        }
    }

    @Test func missingKeyIsNoSuchKeyWithRequestID() async throws {
        try await withHandler { client in
            try await Self.send(client, .put, "/photos")
            let missing = try await Self.send(client, .get, "/photos/nothing-here")
            #expect(missing.status == .notFound)
            let error = try Self.errorDocument(missing)
            #expect(error.code == "NoSuchKey")
            #expect(error.requestID == missing.headers[HTTPField.Name("x-amz-request-id")!])
            #expect(error.requestID?.isEmpty == false)

            let noBucket = try await Self.send(client, .get, "/no-such-bucket/k")
            #expect(noBucket.status == .notFound)
            #expect(try Self.errorDocument(noBucket).code == "NoSuchBucket")
        }
    }

    @Test func malformedBucketNameIsBadRequest() async throws {
        try await withHandler { client in
            for name in ["Bad_Bucket", "ab", "-leading-dash", "192.168.1.1"] {
                let response = try await Self.send(client, .put, "/\(name)")
                #expect(response.status == .badRequest, "\(name)")
                #expect(try Self.errorDocument(response).code == "InvalidBucketName", "\(name)")
            }
        }
    }

    @Test func headAnswersWithoutABody() async throws {
        try await withHandler { client in
            try await Self.send(client, .put, "/photos")
            let bytes = Array("twelve bytes".utf8)
            try await Self.send(client, .put, "/photos/k", body: bytes)

            let head = try await Self.send(client, .head, "/photos/k")
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentLength] == String(bytes.count))
            #expect(head.headers[.eTag] == "\"\(Digests.md5Hex(bytes))\"")

            let missing = try await Self.send(client, .head, "/photos/nothing-here")
            #expect(missing.status == .notFound)
            #expect(missing.body.readableBytes == 0)

            let bucket = try await Self.send(client, .head, "/photos")
            #expect(bucket.status == .ok)
            #expect(bucket.body.readableBytes == 0)
        }
    }

    @Test func everyAnswerHasItsOwnRequestID() async throws {
        try await withHandler { client in
            var seen: Set<String> = []
            let requests: [(HTTPRequest.Method, String, Bool)] = [
                (.get, "/", true), (.get, "/", false), (.put, "/photos", true), (.put, "/photos", true), (.get, "/photos", true),
                (.delete, "/photos/none", true), (.post, "/photos/k", true), (.delete, "/photos", true), (.head, "/photos", true),
            ]
            for (method, path, signed) in requests {
                let response = try await Self.send(client, method, path, signed: signed)
                let id = try #require(response.headers[HTTPField.Name("x-amz-request-id")!])
                #expect(seen.insert(id).inserted, "\(method) \(path) repeated a request id")
                #expect(response.headers[.server] == "mss-server")
            }
        }
    }
}
