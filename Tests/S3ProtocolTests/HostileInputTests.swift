import Foundation
import S3Protocol
import Testing

/// Parsers of what arrives on the wire, fed what an attacker would send: each answers with a
/// value or a refusal, never a trap.
@Suite struct HostileInputTests {
    @Test func rangesResolveAsS3Does() {
        #expect(RangeHeader.resolve("bytes=0-9", size: 100) == .partial(0..<10))
        #expect(RangeHeader.resolve("bytes=90-", size: 100) == .partial(90..<100))
        #expect(RangeHeader.resolve("bytes=-10", size: 100) == .partial(90..<100))
        #expect(RangeHeader.resolve("bytes=-500", size: 100) == .partial(0..<100))
        #expect(RangeHeader.resolve("bytes=95-200", size: 100) == .partial(95..<100))
        #expect(RangeHeader.resolve("bytes=0-1,5-6", size: 100) == .whole)
        #expect(RangeHeader.resolve("items=0-1", size: 100) == .whole)
        #expect(RangeHeader.resolve("bytes=5-1", size: 100) == .whole)
        #expect(RangeHeader.resolve("bytes=+5-9", size: 100) == .whole)
        #expect(RangeHeader.resolve("bytes=--5", size: 100) == .whole)
        #expect(RangeHeader.resolve("bytes=100-", size: 100) == .unsatisfiable)
        #expect(RangeHeader.resolve("bytes=-5", size: 0) == .unsatisfiable)
        #expect(RangeHeader.resolve("bytes=-0", size: 10) == .unsatisfiable)
    }

    @Test func rangesWithHugeNumbersNeverOverflow() {
        #expect(RangeHeader.resolve("bytes=0-9223372036854775807", size: 100) == .partial(0..<100))
        #expect(RangeHeader.resolve("bytes=0-99999999999999999999999", size: 100) == .partial(0..<100))
        #expect(RangeHeader.resolve("bytes=9223372036854775807-", size: 100) == .unsatisfiable)
        #expect(RangeHeader.resolve("bytes=99999999999999999999-", size: 100) == .unsatisfiable)
        #expect(RangeHeader.resolve("bytes=-9223372036854775808", size: 100) == .partial(0..<100))
        #expect(RangeHeader.resolve("bytes=9223372036854775806-9223372036854775807", size: .max) == .partial(9_223_372_036_854_775_806..<Int64.max))
        #expect(RangeHeader.resolveCopySourceRange("bytes=0-9223372036854775807", size: 100) == nil)
        #expect(RangeHeader.resolveCopySourceRange("bytes=0-99", size: 100) == 0..<100)
        #expect(RangeHeader.resolveCopySourceRange("bytes=0-", size: 100) == nil)
        #expect(RangeHeader.resolveCopySourceRange("bytes=-5", size: 100) == nil)
    }

    @Test func datesWithHugeOrOddYearsAreRefused() {
        for bad in [
            "Tue, 27 Mar 99999999999 19:36:42 GMT", "Tue, 27 Mar 0 19:36:42 GMT", "Tue, 27 Mar -2007 19:36:42 GMT",
            "Tue, 27 Mar 2007 99999999999999999999:36:42 GMT", "Tue, 29 Feb 2007 19:36:42 GMT",
            "Tue, 27 Mar +2007 19:36:42 GMT", String(repeating: "9", count: 10_000),
        ] {
            #expect(HTTPDate.parseRFC1123(bad) == nil, "\(bad.prefix(40))")
        }
        for bad in ["99999999T000000Z", "00000101T000000Z", "20070229T000000Z", "2007032_T000000Z", "+0070327T193642Z"] {
            #expect(HTTPDate.parseISO8601Basic(bad) == nil, "\(bad)")
        }
        #expect(HTTPDate.parseISO8601("2007-03-27T19:36:42." + String(repeating: "9", count: 40) + "Z") == nil)
        #expect(HTTPDate.parseISO8601("0000-03-27T19:36:42Z") == nil)
        #expect(HTTPDate.parseRFC1123("Fri, 31 Dec 9999 23:59:59 GMT") != nil)
        #expect(HTTPDate.parseRFC1123("Mon, 01 Jan 0001 00:00:00 GMT") != nil)
        #expect(HTTPDate.parseRFC1123("Thu, 29 Feb 2024 12:00:00 GMT") != nil)
    }

    @Test func formattingClampsAnyDate() {
        #expect(HTTPDate.rfc1123(Date(timeIntervalSince1970: 1e300)) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.rfc1123(Date(timeIntervalSince1970: -1e300)) == "Mon, 01 Jan 0001 00:00:00 GMT")
        #expect(HTTPDate.iso8601Basic(Date(timeIntervalSince1970: .nan)) == "19700101T000000Z")
        #expect(HTTPDate.iso8601(.distantFuture).hasPrefix("4001-01-01T00:00:00"))
        #expect(HTTPDate.iso8601(Date(timeIntervalSince1970: 1_175_024_202.001)) == "2007-03-27T19:36:42.001Z")
        #expect(HTTPDate.rfc1123(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 GMT")
        // Milliseconds that binary floating point holds as .0999… (found by FuzzHTTPDate).
        for text in [
            "2004-10-12T17:50:30.100Z", "0912-02-01T00:00:00.060Z", "9999-12-31T23:59:59.999Z", "9999-02-01T23:59:59.899Z",
            "8783-01-01T12:00:00.123Z",
        ] {
            #expect(HTTPDate.parseISO8601(text).map(HTTPDate.iso8601) == text)
        }
        #expect(HTTPDate.parseISO8601Basic("99991231T235960Z") == nil)
        // Every day of 1600 through 2400 round-trips through format and parse.
        var day = Date(timeIntervalSince1970: -11_676_096_000)
        let end = Date(timeIntervalSince1970: 13_569_465_600)
        while day < end {
            #expect(HTTPDate.parseRFC1123(HTTPDate.rfc1123(day)) == day)
            day.addTimeInterval(86_400 * 7 + 3_661)
        }
    }

    /// A combining mark after `&` must not hide the separator (found by FuzzPresignedQuery).
    @Test func queriesSplitOnBytes() {
        let items = QueryItem.parse("a=1&\u{0301}X-Amz-Date=2&b=\u{0301}c")
        #expect(items == [QueryItem("a", "1"), QueryItem("\u{0301}X-Amz-Date", "2"), QueryItem("b", "\u{0301}c")])
    }

    @Test func authorizationHeadersAreBounded() throws {
        let good = "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="
            + String(repeating: "a", count: 64)
        let parsed = try SigV4Authorization(parsingHeader: good)
        #expect(parsed.scope.accessKey == "AKID" && parsed.scope.day == "20130524" && parsed.signedHeaders == ["host", "x-amz-date"])
        for bad in [
            "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=x",
            good.replacingOccurrences(of: "/s3/", with: "/iam/"), good + ", Signature=" + String(repeating: "b", count: 64),
            good.replacingOccurrences(of: "SignedHeaders=host;x-amz-date", with: "SignedHeaders=" + Array(repeating: "h", count: 500).joined(separator: ";")),
            good.replacingOccurrences(of: "20130524", with: "2013052"), good + String(repeating: "x", count: 10_000),
        ] {
            #expect(throws: SignatureParseError.self) { try SigV4Authorization(parsingHeader: bad) }
        }
        #expect(throws: SignatureParseError.self) { try SigV2Authorization(parsingHeader: "AWS nocolon") }
        #expect(throws: SignatureParseError.self) {
            try SigV2Authorization(parsingQuery: [QueryItem("AWSAccessKeyId", "a"), QueryItem("Signature", "s"), QueryItem("Expires", "99999999999999999999")])
        }
        #expect(throws: SignatureParseError.self) {
            try SigV2Authorization(parsingQuery: [QueryItem("AWSAccessKeyId", "a"), QueryItem("Signature", "s"), QueryItem("Expires", "-5")])
        }
    }

    @Test func presignedV4QueriesNeedTheHostAndBoundedExpiry() throws {
        func query(expires: String = "300", signedHeaders: String = "host", hash: String? = nil) -> [QueryItem] {
            var items = [
                QueryItem("X-Amz-Algorithm", "AWS4-HMAC-SHA256"), QueryItem("X-Amz-Credential", "AKID/20130524/us-east-1/s3/aws4_request"),
                QueryItem("X-Amz-Date", "20130524T000000Z"), QueryItem("X-Amz-Expires", expires),
                QueryItem("X-Amz-SignedHeaders", signedHeaders), QueryItem("X-Amz-Signature", String(repeating: "0", count: 64)),
            ]
            if let hash { items.append(QueryItem("X-Amz-Content-Sha256", hash)) }
            return items
        }
        #expect(try SigV4PresignedQuery(parsing: query()).expires == 300)
        #expect(try SigV4PresignedQuery(parsing: query(hash: Digests.emptySHA256Hex)).contentSHA256 == Digests.emptySHA256Hex)
        for bad in [
            query(expires: "99999999999999999999"), query(expires: "604801"), query(expires: "-1"), query(signedHeaders: "x-amz-date"),
            query(hash: "nothex"),
        ] {
            #expect(throws: SignatureParseError.self) { try SigV4PresignedQuery(parsing: bad) }
        }
    }
}
