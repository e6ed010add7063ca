extension XML {
    /// A recursive-descent parser over UTF-8 bytes. Depth is capped so hostile input cannot
    /// exhaust the stack.
    struct Parser {
        let bytes: [UInt8]
        var index = 0
        static let maximumDepth = 64

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func document() throws(ParseError) -> Element {
            guard bytes.count <= XML.maximumInputSize else {
                throw fail("the document is larger than \(XML.maximumInputSize) bytes")
            }
            skipMisc()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw fail("expected a root element") }
            let root = try element(depth: 0)
            skipMisc()
            guard index == bytes.count else { throw fail("content after the root element") }
            return root
        }

        /// Skips whitespace, the XML declaration, processing instructions, comments and DOCTYPE.
        private mutating func skipMisc() {
            while true {
                skipWhitespace()
                if starts(with: "<?") {
                    skip(past: "?>")
                } else if starts(with: "<!--") {
                    skip(past: "-->")
                } else if starts(with: "<!DOCTYPE") {
                    skip(past: ">")
                } else {
                    return
                }
            }
        }

        private mutating func element(depth: Int) throws(ParseError) -> Element {
            guard depth < Self.maximumDepth else { throw fail("elements nested too deeply") }
            index += 1  // "<"
            let name = try self.name()
            var element = Element(name)
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw fail("unterminated start tag <\(name)>") }
                if starts(with: "/>") {
                    index += 2
                    return element
                }
                if bytes[index] == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                let attribute = try self.name()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { throw fail("expected '='") }
                index += 1
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'")
                else { throw fail("expected a quoted attribute value") }
                let quote = bytes[index]
                index += 1
                let start = index
                while index < bytes.count, bytes[index] != quote { index += 1 }
                guard index < bytes.count else { throw fail("unterminated attribute value") }
                element.attributes[attribute] = try decodeEntities(bytes[start..<index])
                index += 1
            }
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw fail("missing </\(name)>") }
                if starts(with: "</") {
                    index += 2
                    let closing = try self.name()
                    guard closing == name else { throw fail("</\(closing)> closes <\(name)>") }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { throw fail("expected '>'") }
                    index += 1
                    break
                } else if starts(with: "<!--") {
                    skip(past: "-->")
                } else if starts(with: "<![CDATA[") {
                    index += 9
                    let start = index
                    skip(past: "]]>")
                    text += bytes[start..<max(start, index - 3)]
                } else if starts(with: "<?") {
                    skip(past: "?>")
                } else if bytes[index] == UInt8(ascii: "<") {
                    element.children.append(try self.element(depth: depth + 1))
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                    text += Array(try decodeEntities(bytes[start..<index]).utf8)
                }
            }
            let decoded = String(decoding: text, as: UTF8.self)
            // Whitespace between child elements is layout, not content.
            element.text = element.children.isEmpty ? decoded : decoded.trimmingXMLWhitespace()
            return element
        }

        private mutating func name() throws(ParseError) -> String {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                    || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                    || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "<")
                {
                    break
                }
                index += 1
            }
            guard index > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        private func decodeEntities(_ slice: ArraySlice<UInt8>) throws(ParseError) -> String {
            guard slice.contains(UInt8(ascii: "&")) else { return String(decoding: slice, as: UTF8.self) }
            var out: [UInt8] = []
            var i = slice.startIndex
            while i < slice.endIndex {
                guard slice[i] == UInt8(ascii: "&") else {
                    out.append(slice[i])
                    i += 1
                    continue
                }
                guard let semicolon = slice[i...].firstIndex(of: UInt8(ascii: ";")), semicolon - i <= 10 else {
                    throw fail("unterminated entity")
                }
                let entity = String(decoding: slice[(i + 1)..<semicolon], as: UTF8.self)
                switch entity {
                case "amp": out.append(UInt8(ascii: "&"))
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    let scalar: Unicode.Scalar?
                    if entity.hasPrefix("#x") {
                        scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                    } else if entity.hasPrefix("#") {
                        scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init)
                    } else {
                        scalar = nil
                    }
                    guard let scalar else { throw fail("unknown entity &\(entity);") }
                    out += Array(String(Character(scalar)).utf8)
                }
                i = semicolon + 1
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// Compares in place: `skip(past:)` calls this at every byte, so it must not allocate.
        private func starts(with prefix: StaticString) -> Bool {
            var position = index
            return prefix.withUTF8Buffer { expected in
                for byte in expected {
                    guard position < bytes.count, bytes[position] == byte else { return false }
                    position += 1
                }
                return true
            }
        }

        private mutating func skip(past terminator: StaticString) {
            while index < bytes.count, !starts(with: terminator) { index += 1 }
            index = min(bytes.count, index + terminator.utf8CodeUnitCount)
        }

        private mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\n")
                    || bytes[index] == UInt8(ascii: "\r") || bytes[index] == UInt8(ascii: "\t")
            {
                index += 1
            }
        }

        private func fail(_ message: String) -> ParseError {
            ParseError(message: message, offset: index)
        }
    }
}

extension String {
    func trimmingXMLWhitespace() -> String {
        // By scalar, not Character: "\r\n" is one Character that equals neither "\r" nor "\n".
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(scalars[first...last])
    }
}
