/// Sizes and ages as people type them on the command line (`10k`, `1.5` is not one, `7d`), read
/// with bounds so no input can overflow.
enum HumanInput {
    /// Bytes: a whole number, optionally followed by k, M, G, T or P (powers of 1024, any case,
    /// with an optional B or iB: `1M`, `1MB`, `1MiB`). Nil for anything else or above 2^62.
    static func size(_ text: String) -> Int64? {
        var rest = Substring(text.trimmingSpaces).uppercased()[...]
        for suffix in ["IB", "B"] where rest.hasSuffix(suffix) && rest.count > suffix.count {
            rest = rest.dropLast(suffix.count)
            break
        }
        var shift: Int64 = 0
        if let unit = rest.last, let index = "KMGTP".firstIndex(of: unit) {
            shift = Int64("KMGTP".distance(from: "KMGTP".startIndex, to: index) + 1) * 10
            rest = rest.dropLast()
        }
        guard let value = decimal(rest), value <= (Int64(1) << 62) >> shift else { return nil }
        return value << shift
    }

    /// Seconds: runs of a whole number and a unit, s, m, h, d or w (`90s`, `1h30m`, `7d`), or a
    /// bare number of seconds. Nil for anything else or more than 1,000 years.
    static func duration(_ text: String) -> Int64? {
        let text = text.trimmingSpaces
        if let seconds = decimal(Substring(text)) { return seconds <= maximumSeconds ? seconds : nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total: Int64 = 0
        var digits = Substring()
        var start = text.startIndex
        for index in text.indices {
            let character = text[index]
            if character.isASCII, character.isNumber { continue }
            guard let unit = units[character] else { return nil }
            digits = text[start..<index]
            guard let value = decimal(digits) else { return nil }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflowed) = total.addingReportingOverflow(scaled)
            guard !overflow, !overflowed, sum <= maximumSeconds else { return nil }
            total = sum
            start = text.index(after: index)
        }
        guard start == text.endIndex, !text.isEmpty else { return nil }
        return total
    }

    static let maximumSeconds: Int64 = 1000 * 366 * 86_400

    /// A run of 1 to 18 ASCII digits (so it fits before any scaling), nothing else.
    private static func decimal(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(text)
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
