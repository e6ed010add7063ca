import Foundation
import S3Protocol
import Testing

/// The one evaluator of If-Match / If-None-Match / If-(Un)Modified-Since, fed what a hostile
/// client sends: odd tag lists, empty headers, dates far outside any real range.
@Suite("Preconditions")
struct PreconditionsTests {
    let modified = Date(timeIntervalSince1970: 1_700_000_000.6)

    @Test func tagListsMatchOnlyWhatTheyName() {
        #expect(Preconditions.etag("abc", matches: "\"abc\""))
        #expect(Preconditions.etag("\"abc\"", matches: "W/\"abc\""))
        #expect(Preconditions.etag("abc", matches: "\"x\", \"abc\""))
        #expect(Preconditions.etag("abc", matches: "*"))
        for hostile in ["", ",", ",,,", "\"", "W/", "abcd", "\"ab\"c", String(repeating: ",", count: 100_000), "\u{0}abc"] {
            #expect(!Preconditions.etag("abc", matches: hostile), "\(hostile.prefix(20))")
        }
    }

    @Test func presentTagConditionsDecideAloneAndDatesCompareInWholeSeconds() {
        let past = Date(timeIntervalSince1970: 0), future = Date(timeIntervalSince1970: 9e15), same = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(Preconditions(ifMatch: "\"abc\"", ifUnmodifiedSince: past).evaluate(etag: "abc", lastModified: modified) == .proceed)
        #expect(Preconditions(ifMatch: "\"x\"").evaluate(etag: "abc", lastModified: modified) == .failed)
        #expect(Preconditions(ifUnmodifiedSince: past).evaluate(etag: "abc", lastModified: modified) == .failed)
        #expect(Preconditions(ifUnmodifiedSince: future).evaluate(etag: "abc", lastModified: modified) == .proceed)
        #expect(Preconditions(ifNoneMatch: "\"abc\"").evaluate(etag: "abc", lastModified: modified) == .notModified)
        #expect(Preconditions(ifNoneMatch: "\"x\"", ifModifiedSince: future).evaluate(etag: "abc", lastModified: modified) == .proceed)
        #expect(Preconditions(ifModifiedSince: same).evaluate(etag: "abc", lastModified: modified) == .notModified)
        #expect(Preconditions(ifModifiedSince: .distantPast).evaluate(etag: "abc", lastModified: modified) == .proceed)
        #expect(Preconditions().evaluate(etag: "abc", lastModified: .distantFuture) == .proceed)
    }

    @Test func hexAndMultipartETagsRefuseWhatIsNotHex() {
        #expect(Digests.bytes(fromHex: "00ffAB") == [0, 255, 171])
        for hostile in ["0", "zz", "0g", "\u{FF}\u{FF}", "abc"] { #expect(Digests.bytes(fromHex: hostile) == nil) }
        #expect(Digests.bytes(fromHex: "") == [])
        let md5 = String(repeating: "a", count: 32)
        #expect(Digests.multipartETag(partETags: [md5, "\"\(md5)\""])?.hasSuffix("-2") == true)
        for hostile in ["", "\"", String(repeating: "a", count: 31), md5 + "-2", String(repeating: "g", count: 32)] {
            #expect(Digests.multipartETag(partETags: [hostile]) == nil)
        }
    }
}
