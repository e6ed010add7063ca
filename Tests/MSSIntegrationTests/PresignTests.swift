import Foundation
import MSS
import S3Protocol
import Testing

@Suite struct PresignTests {
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func methodsThroughAPlainClient(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("dir/presigned file.txt")
            try await key.setContents("presigned body", options: PutOptions(contentType: "text/plain"))

            let get = try await PlainHTTP.request(try key.generateURL(expiresIn: 300))
            #expect(get.status == 200)
            #expect(String(decoding: get.body, as: UTF8.self) == "presigned body")

            let head = try await PlainHTTP.request(try key.generateURL(expiresIn: 300, method: .head), method: "HEAD")
            #expect(head.status == 200)

            let overridden = try await PlainHTTP.request(
                try key.generateURL(expiresIn: 300, responseOverrides: ["response-content-type": "application/x-test"]))
            #expect(overridden.status == 200)

            let upload = bucket.newKey("uploaded via url")
            let putURL = try upload.generateURL(expiresIn: 300, method: .put, contentType: "text/csv")
            let put = try await PlainHTTP.request(
                putURL, method: "PUT", body: Data("a,b\n".utf8), headers: ["Content-Type": "text/csv"])
            #expect(put.status == 200)
            #expect(try await upload.string() == "a,b\n")
            #expect(try await upload.info()?.contentType == "text/csv")

            let delete = try await PlainHTTP.request(try upload.generateURL(expiresIn: 300, method: .delete), method: "DELETE")
            #expect(delete.status == 204)
            #expect(try await !upload.exists())

            let listing = try await PlainHTTP.request(try bucket.generateURL(expiresIn: 300))
            #expect(listing.status == 200)
            #expect(String(decoding: listing.body, as: UTF8.self).contains("presigned file.txt"))
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func tamperedAndExpiredURLsAreRefused(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("secret.txt")
            try await key.setContents("top secret")
            let good = try key.generateURL(expiresIn: 300)
            #expect(try await PlainHTTP.request(good).status == 200)

            // Another key under the same signature.
            try await bucket.newKey("secret.tx2").setContents("other")
            let otherKey = try #require(URL(string: good.absoluteString.replacingOccurrences(of: "secret.txt", with: "secret.tx2")))
            let tamperedKey = try await PlainHTTP.request(otherKey)
            #expect(tamperedKey.status == 403)
            #expect(String(decoding: tamperedKey.body, as: UTF8.self).contains("SignatureDoesNotMatch"))

            // A longer validity than was signed.
            var components = try #require(URLComponents(url: good, resolvingAgainstBaseURL: false))
            components.percentEncodedQueryItems = components.percentEncodedQueryItems?.map { item in
                switch item.name {
                case "Expires": URLQueryItem(name: item.name, value: String((Int(item.value ?? "0") ?? 0) + 1000))
                case "X-Amz-Expires": URLQueryItem(name: item.name, value: "3600")
                default: item
                }
            }
            let extended = try await PlainHTTP.request(try #require(components.url))
            #expect(extended.status == 403)

            // Absolute expiry in the past and in the future (the Python SDK's checklist).
            if case .v4 = target.signatureVersion {
                // SigV4 cannot express a past expiry: the library refuses to build one.
                #expect(throws: MSSClientError.self) { _ = try key.generateURL(expiry: .at(Date().addingTimeInterval(-60))) }
            } else {
                let expired = try await PlainHTTP.request(try key.generateURL(expiry: .at(Date().addingTimeInterval(-60))))
                #expect(expired.status == 403)
                #expect(String(decoding: expired.body, as: UTF8.self).contains("AccessDenied"))
            }
            let future = try key.generateURL(expiry: .at(Date().addingTimeInterval(120)))
            #expect(try await PlainHTTP.request(future).status == 200)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict.filter { if case .v4 = $0.signatureVersion { true } else { false } })
    func sigV4URLExpiresAfterItsLifetime(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("short-lived")
            try await key.setContents("x")
            let url = try key.generateURL(expiresIn: 1)
            try await Task.sleep(for: .seconds(2.5))
            let answer = try await PlainHTTP.request(url)
            #expect(answer.status == 403)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("AccessDenied"))
        }
    }

    @Test func sigV4PresignLimits() async throws {
        let conn = try S3Connection(accessKey: "a", secretKey: "b", host: "127.0.0.1", port: 9, signatureVersion: .v4(region: "us-east-1"))
        let key = Bucket(connection: conn, name: "bucket").newKey("k")
        #expect(throws: MSSClientError.self) { _ = try key.generateURL(expiresIn: 8 * 24 * 3600) }
        #expect(throws: MSSClientError.self) { _ = try key.generateURL(expiry: .at(Date().addingTimeInterval(-5))) }
        let week = try key.generateURL(expiresIn: 7 * 24 * 3600)
        #expect(week.absoluteString.contains("X-Amz-Expires=604800"))
        #expect(week.absoluteString.hasPrefix("http://127.0.0.1:9/bucket/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        try await conn.shutdown()
    }

    @Test func sigV2URLShape() async throws {
        let conn = try S3Connection(accessKey: "AKID", secretKey: "secret", host: "mss.example", port: 80)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let url = try conn.presignedURL(bucket: "b", key: "a b/c+d", expiry: .after(300), now: now)
        let expected = "http://mss.example/b/a%20b/c%2Bd?AWSAccessKeyId=AKID&Expires=1700000300&Signature="
        #expect(url.absoluteString.hasPrefix(expected))
        let signature = SigV2Signer(credentials: Credentials(accessKey: "AKID", secretKey: "secret"))
            .signature(stringToSign: "GET\n\n\n1700000300\n/b/a%20b/c%2Bd")
        #expect(url.absoluteString == expected + URIEncoding.encode(signature))
        try await conn.shutdown()
    }
}
