/// Reads the header values of a form upload: the request's `Content-Type`
/// (`multipart/form-data; boundary=…`) and a part's `Content-Disposition`
/// (`form-data; name="…"; filename="…"`).
public enum FormDataContentType {
    /// RFC 2046 allows boundaries of 1 to 70 characters.
    public static let maximumBoundaryLength = 70

    /// Whether `contentType` names `multipart/form-data`, whatever its parameters.
    public static func isFormData(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingFormSpaces().lowercased() }
        return type == "multipart/form-data"
    }

    /// The boundary of a `multipart/form-data` Content-Type; nil when it has none or one RFC 2046
    /// does not allow (empty, too long, or with control characters).
    public static func boundary(_ contentType: String) -> String? {
        guard isFormData(contentType), let parameters = try? parameters(contentType, expecting: "multipart/form-data"),
            let boundary = parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= maximumBoundaryLength,
            boundary.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
        else { return nil }
        return boundary
    }

    /// The parameters of a header value whose first item must be `type` (case-insensitive), by
    /// lower-case name. Values may be tokens or quoted strings (with backslash escapes).
    static func parameters(_ value: String, expecting type: String) throws(FormDataParser.Failure) -> [String: String] {
        let bytes = Array(value.utf8)
        var index = 0
        func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }
        func token() -> String {
            let begin = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ";"), bytes[index] != UInt8(ascii: "="),
                bytes[index] != 0x20, bytes[index] != 0x09
            {
                index += 1
            }
            return String(decoding: bytes[begin..<index], as: UTF8.self)
        }
        skipSpaces()
        guard token().lowercased() == type else { throw .malformed("unexpected \(type.split(separator: "/").first ?? "") type") }
        var parameters: [String: String] = [:]
        while true {
            skipSpaces()
            guard index < bytes.count else { return parameters }
            guard bytes[index] == UInt8(ascii: ";") else { throw .malformed("bad header parameters") }
            index += 1
            skipSpaces()
            if index == bytes.count { return parameters }
            let name = token().lowercased()
            skipSpaces()
            guard !name.isEmpty, index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw .malformed("bad header parameters")
            }
            index += 1
            skipSpaces()
            var parsed: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\\"), index < bytes.count {
                        parsed.append(bytes[index])
                        index += 1
                    } else {
                        parsed.append(byte)
                    }
                }
                guard closed else { throw .malformed("an unterminated quoted string") }
            } else {
                parsed = Array(token().utf8)
            }
            // The first of a repeated parameter counts, so one reading is used everywhere.
            if parameters[name] == nil { parameters[name] = String(decoding: parsed, as: UTF8.self) }
        }
    }
}
