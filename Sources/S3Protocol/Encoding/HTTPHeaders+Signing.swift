/// An ordered list of header fields as a signer sees them. Names compare case-insensitively.
public struct SignableHeaders: Sendable, Hashable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        for (name, value) in fields { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func replace(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// All values of `name`, joined with `,` in arrival order as S3 signs repeated headers.
    public subscript(name: String) -> String? {
        // A request's handling looks up a score of names: one match, the usual case, is returned
        // as it is, and no name is lower-cased into a new string to compare.
        guard let first = fields.firstIndex(where: { Self.sameName($0.name, name) }) else { return nil }
        let rest = fields[(first + 1)...]
        guard rest.contains(where: { Self.sameName($0.name, name) }) else { return fields[first].value }
        return ([fields[first].value] + rest.filter { Self.sameName($0.name, name) }.map(\.value)).joined(separator: ",")
    }

    /// Whether two field names are the same, ignoring the case of ASCII letters (field names are
    /// ASCII tokens; other bytes must match exactly).
    static func sameName(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let a?, let b?): if a != b && asciiLower(a) != asciiLower(b) { return false }
            default: return false
            }
        }
    }

    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        byte >= 65 && byte <= 90 ? byte + 32 : byte
    }

    /// `name` lower-cased; itself, without a copy, when it has no upper-case ASCII letter (a
    /// server's names, which HTTP types hand over lower-cased).
    static func lowercasedName(_ name: String) -> String {
        name.utf8.allSatisfy({ $0 < 128 && !($0 >= 65 && $0 <= 90) }) ? name : name.lowercased()
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: SignableHeaders, rhs: SignableHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for field in fields {
            hasher.combine(field.name)
            hasher.combine(field.value)
        }
    }

    /// Lower-cased names with their values joined by `,`, values trimmed and inner runs of
    /// whitespace collapsed, as both signature versions canonicalise them.
    public func canonicalized() -> [(name: String, value: String)] {
        canonicalized(only: nil)
    }

    /// ``canonicalized()`` of the fields whose lower-cased names are in `names` (all when nil):
    /// a verifier need not normalise the values of headers nobody signed.
    public func canonicalized(only names: Set<String>?) -> [(name: String, value: String)] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for field in fields {
            let name = Self.lowercasedName(field.name)
            if let names, !names.contains(name) { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(Self.normalizeValue(field.value))
        }
        return order.map { ($0, values[$0, default: []].joined(separator: ",")) }
    }

    static func normalizeValue(_ value: String) -> String {
        if isNormalASCII(value) { return value }
        var out = ""
        var pendingSpace = false
        for char in value {
            if char == " " || char == "\t" || char == "\n" || char == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(char)
            }
        }
        return out
    }

    /// Whether `value` is ASCII without tabs, line breaks, or spaces leading, trailing or
    /// doubled: already what ``normalizeValue(_:)`` makes of it. Nearly every signed value
    /// (dates, hashes, hosts, ranges) is, and checking its bytes is far cheaper than walking its
    /// Characters. In ASCII without line breaks every byte is a Character, so the two agree.
    static func isNormalASCII(_ value: String) -> Bool {
        var afterSpace = true
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "):
                if afterSpace { return false }
                afterSpace = true
            case 0x00..<0x20, 0x7F...0xFF:
                return false
            default:
                afterSpace = false
            }
        }
        return !afterSpace || value.isEmpty
    }
}
