import Testing

@testable import S3Protocol

/// `XML.escape` returns text that needs nothing as it is, and escapes the rest exactly as the
/// character-by-character rule does, for random text over every character it treats specially.
@Suite struct XMLEscapeTests {
    /// The rule, the slow way.
    static func reference(_ text: String, quote: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quote: out += "&quot;"
            case "\r": out += "&#13;"
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": out += "&#\(scalar.value);"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    @Test func matchesTheRuleOnRandomText() {
        let alphabet: [Character] = ["a", "Z", "/", "&", "<", ">", "\"", "'", "\r", "\n", "\t", "\u{1}", "\u{1F}", " ", "é", "你", "😀", "\u{7F}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let text = String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
            for quote in [false, true] {
                #expect(XML.escape(text, quote: quote) == Self.reference(text, quote: quote), "\(Array(text.unicodeScalars))")
            }
        }
    }

    @Test func plainTextIsReturnedAsIs() {
        for text in ["", "photos/2026/a b.jpg", "\"9b2cf535f27731c974343645a3985328\"", "2026-12-01T06:00:00.000Z", "键/値\n\t"] {
            #expect(XML.escape(text, quote: false) == text)
        }
        #expect(XML.escape("\"etag\"", quote: true) == "&quot;etag&quot;")
    }
}
