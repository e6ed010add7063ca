import Foundation
import Testing

@testable import MSS

@Suite struct EndpointTests {
    func endpoint(_ configuration: S3Connection.Configuration, image: Bool = false) -> Endpoint {
        Endpoint(configuration: configuration, service: image ? .image : .storage)
    }

    @Test func pathStyle() {
        let target = endpoint(.init(host: "mss.example", port: 8080)).target(bucket: "b", key: "dir/a b+c")
        #expect(target.baseURL == "http://mss.example:8080")
        #expect(target.hostHeader == "mss.example:8080")
        #expect(target.path == "/b/dir/a%20b%2Bc")
        #expect(target.resourcePath == "/b/dir/a%20b%2Bc")
        let bucketLevel = endpoint(.init(host: "mss.example")).target(bucket: "b", key: nil)
        #expect(bucketLevel.path == "/b/")
        #expect(bucketLevel.hostHeader == "mss.example")
        #expect(endpoint(.init(host: "mss.example")).target(bucket: nil, key: nil).path == "/")
    }

    @Test func virtualHostStyle() {
        let target = endpoint(.init(host: "s3.example", isSecure: true, addressing: .virtualHost)).target(bucket: "b", key: "k")
        #expect(target.baseURL == "https://b.s3.example")
        #expect(target.hostHeader == "b.s3.example")
        #expect(target.path == "/k")
        #expect(target.resourcePath == "/b/k")
        let defaultPort = endpoint(.init(host: "s3.example", port: 443, isSecure: true)).target(bucket: nil, key: nil)
        #expect(defaultPort.hostHeader == "s3.example")
    }

    @Test func imageHostAndIPv6() {
        let configuration = S3Connection.Configuration(host: "mss.example", port: 9000, imageHost: "img.example", imagePort: 9001)
        let image = endpoint(configuration, image: true).target(bucket: "b", key: "k.jpg@30r")
        #expect(image.baseURL == "http://img.example:9001")
        #expect(image.path == "/b/k.jpg%4030r")
        let v6 = endpoint(.init(host: "::1", port: 9000)).target(bucket: "b", key: nil)
        #expect(v6.baseURL == "http://[::1]:9000")
        #expect(v6.hostHeader == "[::1]:9000")
    }

    @Test func retryDelaysStayBounded() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for attempt in 1...30 {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: nil)
            #expect(delay >= .zero && delay <= .seconds(1))
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3)) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .milliseconds(300)) == .milliseconds(300))
        #expect(RetryPolicy.isRetryable(status: 503, code: "SlowDown"))
        #expect(RetryPolicy.isRetryable(status: 400, code: "RequestTimeout"))
        #expect(!RetryPolicy.isRetryable(status: 403, code: "AccessDenied"))
        #expect(!RetryPolicy.isRetryable(status: 404, code: "NoSuchKey"))
        #expect(RetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
