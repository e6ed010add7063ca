import Foundation
import MSS
import S3Protocol
import Testing

/// Retries through `scripts/lib/flaky_proxy.py`, a proxy in front of a real server that answers
/// every other request on a path with 503 SlowDown ("slow" paths) or a dropped connection ("drop" paths).
@Suite struct RetryTests {
    static let proxies = TestTarget.parse(ProcessInfo.processInfo.environment["MSS_TEST_FLAKY_PROXY"] ?? "")

    @Test func proxyIsConfigured() {
        if TestTarget.required { #expect(!Self.proxies.isEmpty, "MSS_TEST_FLAKY_PROXY is not set") }
    }

    /// A patient connection (three attempts) and a fresh bucket whose name holds `tag`.
    func withFlakyBucket(_ target: TestTarget, tag: String, _ body: (Bucket) async throws -> Void) async throws {
        let patient = try target.connection(retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5)))
        try await target.withBucket(tag: tag, connection: patient) { _, bucket in try await body(bucket) }
    }

    @Test(.enabled(if: !proxies.isEmpty), arguments: proxies)
    func slowDownIsRetried(_ target: TestTarget) async throws {
        try await withFlakyBucket(target, tag: "slow") { bucket in
            try await bucket.newKey("k").setContents("retried")
            #expect(try await bucket.newKey("k").string() == "retried")
            #expect(try await bucket.allKeys().map(\.key) == ["k"])
            let files = try TemporaryDirectory()
            let path = try files.makeFile("f", size: 300_000)
            try await bucket.newKey("file").setContents(fromFile: path)  // a streamed body is replayed too
            try await bucket.newKey("file").contents(toFile: files.file("back"))
            #expect(try md5Hex(ofFile: files.file("back")) == (try md5Hex(ofFile: path)))

            let impatient = try target.connection(retry: .none)
            let error = await #expect(throws: S3Error.self) {
                _ = try await Bucket(connection: impatient, name: bucket.name).newKey("other").data()
            }
            #expect(error?.status == 503)
            #expect(error?.code == .slowDown)
            try await impatient.shutdown()
        }
    }

    @Test(.enabled(if: !proxies.isEmpty), arguments: proxies)
    func droppedConnectionsAreRetried(_ target: TestTarget) async throws {
        try await withFlakyBucket(target, tag: "drop") { bucket in
            try await bucket.newKey("k").setContents("survived")
            #expect(try await bucket.newKey("k").string() == "survived")
            let impatient = try target.connection(retry: .none)
            let error = await #expect(throws: TransportError.self) {
                _ = try await Bucket(connection: impatient, name: bucket.name).newKey("fresh").info()
            }
            #expect(error?.attempts == 1)
            try await impatient.shutdown()
        }
    }
}
