import AsyncHTTPClient
import Foundation
import MSS
import NIOCore
import NIOHTTP1
import S3Protocol
import Testing

/// Bucket CORS through the SDK against every strict server (mss-server and Ceph RGW), and the
/// preflight those rules answer, sent by a plain HTTP client as a browser would.
@Suite struct CORSTests {
    static let rules = [
        CORSRule(
            id: "app", allowedOrigins: ["https://app.example.com", "https://*.example.org"], allowedMethods: [.get, .put],
            allowedHeaders: ["content-type", "x-amz-meta-*"], exposeHeaders: ["ETag"], maxAgeSeconds: 600),
        CORSRule(allowedOrigins: ["*"], allowedMethods: [.get]),
    ]

    /// A preflight's status and `Access-Control-Allow-Origin`.
    static func preflight(_ target: TestTarget, path: String, origin: String, method: String) async throws -> (Int, String?) {
        var request = HTTPClientRequest(url: "http://\(target.host):\(target.port)\(path)")
        request.method = .OPTIONS
        request.headers.add(name: "Origin", value: origin)
        request.headers.add(name: "Access-Control-Request-Method", value: method)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Access-Control-Allow-Origin"))
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func configurationRoundTripAndPreflight(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "cors") { _, bucket in
            #expect(try await bucket.cors() == nil)
            try await bucket.setCORS(Self.rules)
            let read = try #require(try await bucket.cors())
            if target.server == "mss" {
                #expect(read == Self.rules)
            } else {
                // RGW keeps a rule's origins and methods as sets, in its own order.
                #expect(read.map { Set($0.allowedOrigins) } == Self.rules.map { Set($0.allowedOrigins) })
                #expect(read.map { Set($0.allowedMethods) } == Self.rules.map { Set($0.allowedMethods) })
            }

            let path = "/\(bucket.name)/some-key"
            let allowed = try await Self.preflight(target, path: path, origin: "https://app.example.com", method: "PUT")
            #expect(allowed.0 == 200)
            #expect(allowed.1 == "https://app.example.com")
            let wildcard = try await Self.preflight(target, path: path, origin: "https://tenant.example.org", method: "GET")
            #expect(wildcard.0 == 200)
            #expect(wildcard.1 == "https://tenant.example.org")
            let anyone = try await Self.preflight(target, path: path, origin: "https://elsewhere.test", method: "GET")
            #expect(anyone.0 == 200)
            // S3 answers a `*` rule with `*`; RGW echoes the origin.
            #expect(anyone.1 == (target.server == "mss" ? "*" : "https://elsewhere.test"))
            let refused = try await Self.preflight(target, path: path, origin: "https://elsewhere.test", method: "PUT")
            #expect(refused.0 == 403)
            #expect(refused.1 == nil)

            try await bucket.deleteCORS()
            #expect(try await bucket.cors() == nil)
            let disabled = try await Self.preflight(target, path: path, origin: "https://app.example.com", method: "PUT")
            #expect(disabled.0 == 403)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func refusalsAreTypedS3Errors(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "cors") { _, bucket in
            try await bucket.setCORS([CORSRule(allowedOrigins: ["*"], allowedMethods: [.get])])
            let method = await #expect(throws: S3Error.self) {
                try await bucket.setCORS([CORSRule(allowedOrigins: ["*"], allowedMethods: ["PATCH"])])
            }
            #expect(method?.status == 400)
            let empty = await #expect(throws: S3Error.self) { try await bucket.setCORS([]) }
            #expect(empty?.status == 400)
            if target.server == "mss" {
                #expect(method?.code == .invalidRequest)
                #expect(method?.message == "Found unsupported HTTP method in CORS config. Unsupported method is PATCH")
                #expect(empty?.code == .malformedXML)
                let wildcards = await #expect(throws: S3Error.self) {
                    try await bucket.setCORS([CORSRule(allowedOrigins: ["https://*.*.example.com"], allowedMethods: [.get])])
                }
                #expect(wildcards?.code == .invalidRequest)
            }
            #expect(try await bucket.cors() == [CORSRule(allowedOrigins: ["*"], allowedMethods: [.get])])
        }
    }
}
