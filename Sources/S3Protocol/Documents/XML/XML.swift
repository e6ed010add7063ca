/// A small XML tree: enough for S3's documents (elements, text, attributes, the five entities,
/// numeric references, CDATA), with no dependency on a system XML library.
public enum XML {
    public struct Element: Sendable, Hashable {
        public var name: String
        public var attributes: [String: String]
        public var children: [Element]
        public var text: String

        public init(_ name: String, attributes: [String: String] = [:], text: String = "", children: [Element] = []) {
            self.name = name
            self.attributes = attributes
            self.text = text
            self.children = children
        }

        /// A leaf element holding `text`.
        public static func leaf(_ name: String, _ text: String) -> Element {
            Element(name, text: text)
        }

        /// The first child called `name`.
        public func child(_ name: String) -> Element? {
            children.first { $0.name == name }
        }

        /// All children called `name`.
        public func children(_ name: String) -> [Element] {
            children.filter { $0.name == name }
        }

        /// The text of the first child called `name`.
        public func string(_ name: String) -> String? {
            child(name)?.text
        }

        /// Serialises the element, with an XML declaration when `declaration` is true.
        public func serialized(declaration: Bool = true) -> String {
            var out = declaration ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
            write(into: &out)
            return out
        }

        private func write(into out: inout String) {
            out += "<" + name
            for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
                out += " \(key)=\"\(XML.escape(value, quote: true))\""
            }
            if children.isEmpty && text.isEmpty {
                out += "/>"
                return
            }
            out += ">"
            out += XML.escape(text, quote: false)
            for child in children { child.write(into: &out) }
            out += "</" + name + ">"
        }
    }

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "malformed XML at byte \(offset): \(message)" }
    }

    /// The largest document parsed: far above any S3 document (a 1,000-key listing or a
    /// 10,000-part completion is a few MiB), low enough that a hostile one cannot exhaust memory.
    public static let maximumInputSize = 64 << 20

    /// The deepest nesting of elements parsed; S3's documents need four levels.
    public static var maximumDepth: Int { Parser.maximumDepth }

    /// Parses a document and returns its root element.
    public static func parse(_ text: String) throws(ParseError) -> Element {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.document()
    }

    /// Parses a document from bytes.
    ///
    /// Safe on any input, which makes it the fuzzing entry point: malformed, truncated or
    /// non-UTF-8 bytes, nesting deeper than ``maximumDepth`` and input over ``maximumInputSize``
    /// all throw ``ParseError``; recursion is bounded by the depth limit and indices are checked.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> Element {
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }

    static func escape(_ text: String, quote: Bool) -> String {
        // Keys, ETags and dates almost never need it: they go out as they are, without a copy
        // (character by character, escaping was a tenth of a 1,000-key listing's time).
        let needsEscaping = text.utf8.contains { byte in
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"): true
            case UInt8(ascii: "\""): quote
            case UInt8(ascii: "\n"), UInt8(ascii: "\t"): false
            default: byte < 0x20
            }
        }
        guard needsEscaping else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where quote: out += "&quot;"
            case "\r": out += "&#13;"
            default:
                // XML 1.0 cannot carry most control characters even escaped; S3 keys may hold them,
                // which is why listings offer `encoding-type=url`.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    out += "&#\(scalar.value);"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
