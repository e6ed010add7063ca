import Foundation
import NIOHTTP1
import S3Protocol
import Synchronization
import Testing

@testable import MSS

/// Numbers a hostile or broken endpoint may send: each becomes a typed error or a sane value,
/// never a trap.
@Suite struct HostileResponseTests {
    func info(_ fields: [(String, String)]) throws -> ObjectInfo {
        try ObjectInfo(key: "k", headers: HTTPHeaders(fields))
    }

    func expectInvalidResponse(_ fields: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: MSSClientError.self, sourceLocation: sourceLocation) { _ = try info(fields) }
        #expect(error?.kind == .invalidResponse, sourceLocation: sourceLocation)
    }

    @Test func contentLengthOutOfBoundsIsAnError() throws {
        expectInvalidResponse([("Content-Length", "-1")])
        expectInvalidResponse([("Content-Length", "99999999999999999999")])
        expectInvalidResponse([("Content-Length", "9223372036854775807")])
        expectInvalidResponse([("Content-Length", "5497558138881")])  // 5 TiB + 1
        expectInvalidResponse([("Content-Length", "+5")])
        expectInvalidResponse([("Content-Length", "0x10")])
        expectInvalidResponse([("Content-Length", "")])
        #expect(try info([("Content-Length", "5497558138880")]).size == S3Limits.maximumObjectSize)
        #expect(try info([("Content-Length", " 42 ")]).size == 42)
        #expect(try info([("Content-Length", "000000000000000000000000042")]).size == 42)
        #expect(try info([]).size == 0)
    }

    @Test func hostileDatesAreIgnored() throws {
        for date in ["Wed, 01 Jan 99999999999 00:00:00 GMT", "Wed, 01 Jan 2147483648 00:00:00 GMT", "Wed, 99 Foo -1 99:99:99 GMT", ""] {
            #expect(try info([("Last-Modified", date)]).lastModified == nil, "\(date)")
        }
    }

    @Test func contentRangeOutOfBoundsIsAnError() throws {
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 0-1/-5")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 0-1/9223372036854775807")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 5-1/10")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 0-10/10")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes -1-1/10")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 0-1")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "0-1/10")])
        expectInvalidResponse([("Content-Length", "2"), ("Content-Range", "bytes 0-99999999999999999999/10")])
        #expect(try info([("Content-Length", "2"), ("Content-Range", "bytes 0-1/1234")]).size == 1234)
        // An unknown total keeps the length.
        #expect(try info([("Content-Length", "2"), ("Content-Range", "bytes 0-1/*")]).size == 2)
    }

    @Test func contentRangeParsing() {
        #expect(ContentRange("bytes 10-19/100") == ContentRange("bytes 10-19/100"))
        #expect(ContentRange("bytes 10-19/100")?.count == 10)
        #expect(ContentRange("bytes 10-19/100")?.total == 100)
        #expect(ContentRange("bytes 10-19/*")?.total == nil)
        for bad in ["", "bytes", "bytes /", "bytes 1-/2", "bytes -/", "bytes a-b/c", "bytes 9223372036854775807-9223372036854775807/*"] {
            #expect(ContentRange(bad) == nil, "\(bad)")
        }
    }

    @Test func retryAfterIsCappedOrIgnored() {
        func retryAfter(_ value: String) -> Duration? { ResponseNumbers.retryAfter(HTTPHeaders([("Retry-After", value)])) }
        #expect(retryAfter("3") == .seconds(3))
        #expect(retryAfter("999999999999999999999999") == nil)
        #expect(retryAfter("9223372036854775807") == nil)
        #expect(retryAfter("86400") == .seconds(60))
        #expect(retryAfter("-5") == nil)
        #expect(retryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .seconds(2))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(60)) == .seconds(2))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(-60)) == .zero)
    }

    @Test func retryPolicyArithmeticSaturates() {
        var policy = RetryPolicy(maxAttempts: .max, baseDelay: .seconds(Int64.max), maxDelay: .seconds(Int64.max))
        #expect(policy.maxDelay == .seconds(3600))
        policy.baseDelay = .seconds(Int64.max)
        policy.maxDelay = .seconds(Int64.max)
        for attempt in [Int.min, -1, 0, 1, 30, Int.max] {
            #expect(policy.delay(afterAttempt: attempt, retryAfter: nil) <= .seconds(3600))
        }
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
    }

    @Test func presignExpiryOutOfRangeIsAnArgumentError() async throws {
        let connection = try S3Connection(accessKey: "AK", secretKey: "secret-key", host: "127.0.0.1", port: 9)
        let v4 = try S3Connection(
            accessKey: "AK", secretKey: "secret-key", host: "127.0.0.1", port: 9, signatureVersion: .v4(region: "us-east-1"))
        let now = Date()
        for seconds in [TimeInterval.infinity, -.infinity, .nan, 1e300, -1e300, Double(Int.max)] {
            for conn in [connection, v4] {
                let error = #expect(throws: MSSClientError.self) {
                    _ = try conn.presignedURL(bucket: "b", key: "k", expiry: .after(seconds), now: now)
                }
                #expect(error?.kind == .invalidArgument)
            }
        }
        #expect(throws: MSSClientError.self) { _ = try v4.presignedURL(bucket: "b", key: "k", expiry: .after(8 * 86400), now: now) }
        #expect(throws: MSSClientError.self) { _ = try v4.presignedURL(bucket: "b", key: "k", expiry: .at(.distantFuture), now: now) }
        _ = try v4.presignedURL(bucket: "b", key: "k", expiry: .after(7 * 86400), now: now)
        _ = try connection.presignedURL(bucket: "b", key: "k", expiry: .after(10 * 365 * 86400), now: now)
        try await connection.shutdown()
        try await v4.shutdown()
    }

    @Test func hostileListingsAreErrors() {
        func listing(size: String) -> [UInt8] {
            Array("""
                <ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>\
                <Contents><Key>k</Key><Size>\(size)</Size></Contents></ListBucketResult>
                """.utf8)
        }
        for size in ["-1", "99999999999999999999", "9223372036854775807", "5497558138881", "1e3", ""] {
            #expect(throws: DocumentError.self, "\(size)") { _ = try ListBucketResult(bytes: listing(size: size)) }
        }
        #expect((try? ListBucketResult(bytes: listing(size: "5497558138880")))?.contents.first?.size == S3Limits.maximumObjectSize)
        #expect(throws: DocumentError.self) {
            _ = try ListBucketResult(bytes: Array("<ListBucketResult><Name>b</Name><MaxKeys>-1</MaxKeys></ListBucketResult>".utf8))
        }
        #expect(throws: DocumentError.self) {
            _ = try ListBucketResult(bytes: Array("<ListBucketResult><Name>b</Name><KeyCount>99999999999999999999</KeyCount></ListBucketResult>".utf8))
        }
    }

    /// Keys, prefixes and markers of `encoding-type=url` listings, decoded in one pass: broken
    /// escapes and bytes that are not UTF-8 are document errors, in either listing; a key that
    /// decodes to a path out of the folder is refused by the download, never written.
    @Test func hostileURLEncodedListingsAreErrors() throws {
        func objects(key: String, marker: String = "m") -> [UInt8] {
            Array("""
                <ListBucketResult><Name>b</Name><EncodingType>url</EncodingType><Marker>\(marker)</Marker>\
                <IsTruncated>false</IsTruncated><Contents><Key>\(key)</Key><Size>1</Size></Contents></ListBucketResult>
                """.utf8)
        }
        func versions(key: String) -> [UInt8] {
            Array("""
                <ListVersionsResult><Name>b</Name><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>\
                <Version><Key>\(key)</Key><VersionId>v</VersionId><Size>1</Size></Version></ListVersionsResult>
                """.utf8)
        }
        let broken = ["%", "%4", "a%zz", "%FF", "%C3", "%E6%97", "%ED%A0%80", "%%41", "+%g0", String(repeating: "%", count: 10_000)]
        for key in broken {
            #expect(throws: DocumentError.self, "\(key)") { _ = try ListBucketResult(bytes: objects(key: key)).urlDecoded() }
            #expect(throws: DocumentError.self, "\(key)") { _ = try ListBucketResult(bytes: objects(key: "k", marker: key)).urlDecoded() }
            #expect(throws: DocumentError.self, "\(key)") { _ = try ListVersionsResult(bytes: versions(key: key)).urlDecoded() }
        }
        #expect(try ListBucketResult(bytes: objects(key: "a+b%2B%20c")).urlDecoded().contents.first?.key == "a b+ c")
        #expect(try ListVersionsResult(bytes: versions(key: "%E6%97%A5+")).urlDecoded().entries.first?.key == "日 ")
        let long = String(repeating: "%41", count: 100_000)
        #expect(try ListBucketResult(bytes: objects(key: long)).urlDecoded().contents.first?.key == String(repeating: "A", count: 100_000))
        for escape in ["%2E%2E/etc/passwd", "d/%2e%2E/%2E%2e/x", "%2E/x", "d%2F"] {
            let key = try #require(try ListBucketResult(bytes: objects(key: escape)).urlDecoded().contents.first?.key)
            #expect(TransferManager.localPath(forKey: key, prefix: "", in: "/tmp/out") == nil, "\(escape)")
        }
    }

    /// A listing's sizes add up into the progress total and the result's bytes: saturated at
    /// `Int64.max`, never a trap, however many huge objects a server lists.
    @Test func progressSumsSaturate() {
        let last = Mutex<TransferProgress?>(nil)
        let meter = ProgressMeter(total: 0, handler: { report in last.withLock { $0 = report } })
        for _ in 0..<3 { meter.grow(by: S3Limits.maximumObjectSize) }
        meter.grow(by: .max)
        meter.grow(by: .max)
        meter.add(.max)
        meter.add(.max)
        #expect(last.withLock { $0.map { [$0.bytesTransferred, $0.totalBytes] } } == [.max, .max])
        let meterOfOne = ProgressMeter(total: 10, handler: { report in last.withLock { $0 = report } })
        meterOfOne.add(.max)
        #expect(last.withLock { $0?.bytesTransferred } == 10)
    }

    @Test func hostilePartListingsAreErrors() {
        func parts(number: String, size: String, marker: String = "0") -> [UInt8] {
            Array("""
                <ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId>\
                <NextPartNumberMarker>\(marker)</NextPartNumberMarker><IsTruncated>true</IsTruncated>\
                <Part><PartNumber>\(number)</PartNumber><ETag>"e"</ETag><Size>\(size)</Size></Part></ListPartsResult>
                """.utf8)
        }
        #expect((try? ListPartsResult(bytes: parts(number: "1", size: "5")))?.parts.first?.size == 5)
        for (number, size, marker) in [
            ("0", "5", "0"), ("-1", "5", "0"), ("10001", "5", "0"), ("9223372036854775807", "5", "0"), ("1", "-5", "0"),
            ("1", "99999999999999999999", "0"), ("1", "5", "-1"), ("1", "5", "99999999999"),
        ] {
            #expect(throws: DocumentError.self, "\(number) \(size) \(marker)") {
                _ = try ListPartsResult(bytes: parts(number: number, size: size, marker: marker))
            }
        }
        #expect(throws: DocumentError.self) {
            _ = try ListMultipartUploadsResult(bytes: Array("<ListMultipartUploadsResult><Bucket>b</Bucket><MaxUploads>-3</MaxUploads></ListMultipartUploadsResult>".utf8))
        }
    }

    @Test func interruptionMessagesSayWhatHappened() {
        #expect(ResumableBody.grouped(12_582_912) == "12,582,912")
        #expect(ResumableBody.grouped(0) == "0")
        #expect(ResumableBody.grouped(999) == "999")
        #expect(ResumableBody.grouped(1000) == "1,000")
        #expect(ResumableBody.grouped(-1_000) == "-1,000")
        #expect(ResumableBody.whatHappened(nil) == "the connection closed")
        #expect(ResumableBody.whatHappened(HTTPParserError.invalidEOFState) == "the connection closed")
    }

    @Test func compositeETagOfParts() {
        let parts = [
            CompletedPart(partNumber: 1, etag: "\"0cc175b9c0f1b6a831c399e269772661\""),
            CompletedPart(partNumber: 2, etag: "92EB5FFEE6AE2FEC3AD71C777531578F"),
        ]
        #expect(MultipartUpload.compositeETag(of: parts) == "96e024ba2074fe77e8e965ba43a704be-2")
        #expect(MultipartUpload.compositeETag(of: [CompletedPart(partNumber: 1, etag: "not-an-md5")]) == nil)
    }
}
