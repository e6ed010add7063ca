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
        let lower = name.lowercased()
        fields.removeAll { $0.name.lowercased() == lower }
    }

    /// All values of `name`, joined with `,` in arrival order as S3 signs repeated headers.
    public subscript(name: String) -> String? {
        let lower = name.lowercased()
        let values = fields.filter { $0.name.lowercased() == lower }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ",")
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
            let name = field.name.lowercased()
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
