import Foundation
import Testing

@testable import MSSCLI

/// The hand-made date and JSON formatting of listings against Foundation's own.
@Suite struct ListingFormatTests {
    @Test func iso8601MatchesTheFormatStyle() {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_399.999), Date(timeIntervalSince1970: -62_135_596_800),
            Date(timeIntervalSince1970: -11_676_096_000), Date(timeIntervalSince1970: -11_676_096_001), Date(timeIntervalSince1970: -12_219_292_800),
            Date(timeIntervalSince1970: 253_402_300_799), Date(timeIntervalSince1970: 1_764_547_200.5),
        ]
        for _ in 0..<20_000 {
            dates.append(Date(timeIntervalSince1970: Double(Int64.random(in: -62_135_596_800..<253_402_300_800, using: &generator))))
        }
        for date in dates {
            #expect(HumanFormat.iso8601(date) == date.formatted(.iso8601), "\(date.timeIntervalSince1970)")
        }
        // Far outside, the format style's answer, whatever that is, and no trap.
        for seconds in [-1e15, 1e15, Double.nan, Double.infinity] {
            _ = HumanFormat.iso8601(Date(timeIntervalSince1970: seconds))
        }
    }

    @Test func jsonStringsRoundTripThroughJSONSerialization() throws {
        for text in ["plain/key.jpg", "quote\"back\\slash", "tab\tnew\nline\r", "\u{0}\u{1f}\u{7f}", "中文 ü 🎉", ""] {
            let rendered = JSONValue.object(["k": .string(text)]).rendered
            let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: String]
            #expect(parsed == ["k": text], "\(rendered)")
        }
    }
}
