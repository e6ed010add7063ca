/// A glob pattern, in one of the two dialects `mss` takes.
///
/// - ``Syntax/filter`` is `--include`/`--exclude`, matching `aws s3` exactly (Python's fnmatch):
///   `*` matches any run of characters, `/` included; `?` any one character; `[abc]`, `[a-z]` one
///   of a set and `[!a-z]` one outside it. `\` is an ordinary character, and a `[` without its `]`
///   matches itself.
/// - ``Syntax/path`` is a wildcard in a source path (`mss cp 'mss://b/photos/*.jpg' out/`), as a
///   shell matches file names: `*`, `?` and sets stop at `/`, `**` crosses it, and `\` takes the
///   next character literally.
///
/// Matching runs the pattern as a set of positions over the text, one step per character, so the
/// time is at most the pattern's length times the text's, whatever the pattern: no backtracking
/// blows up on `*a*a*a*a*b`.
struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    enum Syntax: Sendable {
        case filter
        case path
    }

    enum Token: Sendable, Equatable {
        case literal(Unicode.Scalar)
        /// `?`
        case one(crossesSlash: Bool)
        /// `*` or `**`
        case any(crossesSlash: Bool)
        /// `[...]`: code point ranges, negated for `[!...]`.
        case set(ranges: [ClosedRange<UInt32>], negated: Bool, crossesSlash: Bool)
    }

    /// Longer patterns are refused: nobody writes them, and matching costs their length per character.
    static let maximumLength = 4096

    let tokens: [Token]
    let description: String

    init(_ pattern: String, syntax: Syntax) throws {
        let scalars = Array(pattern.unicodeScalars)
        guard scalars.count <= Self.maximumLength else {
            throw CLIError.usage("the pattern '\(pattern.prefix(40))...' is longer than \(Self.maximumLength) characters")
        }
        description = pattern
        tokens = Self.tokens(scalars, syntax: syntax)
    }

    private init(tokens: [Token], description: String) {
        self.tokens = tokens
        self.description = description
    }

    /// Whether any part of the pattern is a wildcard, not a literal character.
    var hasWildcards: Bool {
        tokens.contains { if case .literal = $0 { false } else { true } }
    }

    /// The literal characters before the first wildcard: what a listing can ask the server for.
    var literalPrefix: String {
        var text = String.UnicodeScalarView()
        for token in tokens {
            guard case .literal(let scalar) = token else { break }
            text.append(scalar)
        }
        return String(text)
    }

    /// The literal directory before the first wildcard (up to and with its last `/`), and the
    /// pattern for the rest: `photos/20*/a.jpg` is `photos/` and `20*/a.jpg`.
    func splitAtDirectory() -> (directory: String, rest: GlobPattern) {
        let firstWildcard = tokens.firstIndex { if case .literal = $0 { false } else { true } } ?? tokens.endIndex
        let slash = tokens[..<firstWildcard].lastIndex(of: .literal("/"))
        let cut = slash.map { $0 + 1 } ?? 0
        var directory = String.UnicodeScalarView()
        for case .literal(let scalar) in tokens[..<cut] { directory.append(scalar) }
        let rest = Array(tokens[cut...])
        return (String(directory), GlobPattern(tokens: rest, description: Self.render(rest)))
    }

    /// How many path components a match can have at most; nil when `**` (or a filter's `*`) makes
    /// it unbounded. A walk of a local directory stops descending below it.
    var maximumComponents: Int? {
        var components = 1
        for token in tokens {
            switch token {
            case .literal("/"): components += 1
            case .any(true), .one(true), .set(_, _, true): return nil
            default: continue
            }
        }
        return components
    }

    func matches(_ text: String) -> Bool {
        let count = tokens.count
        // active[i]: the text so far can be matched by tokens[..<i]. Only lowest...highest can be
        // set, which keeps a pattern of many `?` or literals linear in the text.
        var active = [Bool](repeating: false, count: count + 1)
        var next = active
        active[0] = true
        var lowest = 0
        var highest = Self.closeOverStars(&active, tokens, from: 0, to: 0)
        for scalar in text.unicodeScalars {
            var nextLowest = Int.max, nextHighest = -1
            func mark(_ index: Int) {
                next[index] = true
                nextLowest = Swift.min(nextLowest, index)
                nextHighest = Swift.max(nextHighest, index)
            }
            // Only positions before the end can take a character; none there means no match.
            let upper = Swift.min(highest, count - 1)
            guard lowest <= upper else { return false }
            for index in lowest...upper where active[index] {
                switch tokens[index] {
                case .literal(let literal):
                    if literal == scalar { mark(index + 1) }
                case .one(let crossesSlash):
                    if crossesSlash || scalar != "/" { mark(index + 1) }
                case .any(let crossesSlash):
                    if crossesSlash || scalar != "/" { mark(index) }
                case .set(let ranges, let negated, let crossesSlash):
                    guard crossesSlash || scalar != "/" else { continue }
                    if ranges.contains(where: { $0.contains(scalar.value) }) != negated { mark(index + 1) }
                }
            }
            guard nextHighest >= 0 else { return false }
            nextHighest = Self.closeOverStars(&next, tokens, from: nextLowest, to: nextHighest)
            for index in lowest...highest { active[index] = false }
            swap(&active, &next)
            lowest = nextLowest
            highest = nextHighest
        }
        return active[count]
    }

    /// A star can match nothing, so a position before one is also a position after it. Returns
    /// the highest position set.
    private static func closeOverStars(_ positions: inout [Bool], _ tokens: [Token], from lowest: Int, to highest: Int) -> Int {
        var highest = highest
        var index = lowest
        while index <= highest, index < tokens.count {
            if positions[index], case .any = tokens[index] {
                positions[index + 1] = true
                highest = Swift.max(highest, index + 1)
            }
            index += 1
        }
        return highest
    }

    private static func tokens(_ scalars: [Unicode.Scalar], syntax: Syntax) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        let crosses = syntax == .filter
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*":
                var double = false
                while index < scalars.count, scalars[index] == "*" {
                    double = true
                    index += 1
                }
                let star = Token.any(crossesSlash: crosses || double)
                // `*` then `**` is `**`; repeated stars add nothing but work.
                if case .any(let previous) = tokens.last {
                    tokens[tokens.count - 1] = .any(crossesSlash: previous || crosses || double)
                } else {
                    tokens.append(star)
                }
            case "?":
                tokens.append(.one(crossesSlash: crosses))
            case "[":
                if let (token, end) = set(scalars, from: index, syntax: syntax) {
                    tokens.append(token)
                    index = end
                } else {
                    tokens.append(.literal("["))
                }
            case "\\" where syntax == .path && index < scalars.count:
                tokens.append(.literal(scalars[index]))
                index += 1
            default:
                tokens.append(.literal(scalar))
            }
        }
        return tokens
    }

    /// The set opening before `start`, and where the pattern goes on after its `]`; nil when no
    /// `]` closes it. As in fnmatch, a `]` right after `[` or `[!` belongs to the set, a `-` first
    /// or last is itself, and a backwards range (`z-a`) matches nothing.
    private static func set(_ scalars: [Unicode.Scalar], from start: Int, syntax: Syntax) -> (Token, Int)? {
        var index = start
        var negated = false
        if index < scalars.count, scalars[index] == "!" {
            negated = true
            index += 1
        }
        // Each member with whether a `\` escaped it: an escaped `-` is itself, never a range.
        var members: [(scalar: Unicode.Scalar, escaped: Bool)] = []
        while index < scalars.count {
            var scalar = scalars[index]
            if scalar == "]" && !members.isEmpty { break }
            var escaped = false
            if scalar == "\\", syntax == .path, index + 1 < scalars.count {
                index += 1
                scalar = scalars[index]
                escaped = true
            }
            members.append((scalar, escaped))
            index += 1
        }
        guard index < scalars.count else { return nil }
        var ranges: [ClosedRange<UInt32>] = []
        var position = 0
        while position < members.count {
            let low = members[position].scalar.value
            if position + 2 < members.count, members[position + 1].scalar == "-", !members[position + 1].escaped {
                let high = members[position + 2].scalar.value
                if low <= high { ranges.append(low...high) }
                position += 3
            } else {
                ranges.append(low...low)
                position += 1
            }
        }
        return (.set(ranges: ranges, negated: negated, crossesSlash: syntax == .filter), index + 1)
    }

    /// A pattern's text back from its tokens, in the path dialect.
    private static func render(_ tokens: [Token]) -> String {
        var text = ""
        for token in tokens {
            switch token {
            case .literal(let scalar):
                if "*?[\\".unicodeScalars.contains(scalar) { text += "\\" }
                text.unicodeScalars.append(scalar)
            case .one: text += "?"
            case .any(let crossesSlash): text += crossesSlash ? "**" : "*"
            case .set(let ranges, let negated, _):
                text += negated ? "[!" : "["
                for range in ranges {
                    let low = Unicode.Scalar(range.lowerBound).map { String($0) } ?? ""
                    let high = Unicode.Scalar(range.upperBound).map { String($0) } ?? ""
                    text += range.lowerBound == range.upperBound ? low : low + "-" + high
                }
                text += "]"
            }
        }
        return text
    }
}
