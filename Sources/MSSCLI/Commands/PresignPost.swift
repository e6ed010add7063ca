import Foundation
import MSS
import S3Protocol

/// `mss presign --post`: a signed browser upload form, printed as an HTML page, a curl line, or
/// (with `--json`) the URL and fields.
enum PresignPost {
    /// How the form is printed.
    enum Style {
        case curl
        case html
    }

    /// The policy conditions of `--content-length-range MIN:MAX` and `--starts-with FIELD=PREFIX`.
    static func conditions(range: String?, startsWith: [String]) throws -> [PostPolicyCondition] {
        var conditions: [PostPolicyCondition] = []
        if let range {
            let parts = range.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let minimum = S3Limits.decimal(parts[0]), let maximum = S3Limits.decimal(parts[1]) else {
                throw CLIError.usage("--content-length-range takes MIN:MAX, two whole numbers of bytes")
            }
            guard minimum <= maximum else { throw CLIError.usage("--content-length-range: MIN must not exceed MAX") }
            conditions.append(.contentLengthRange(minimum: minimum, maximum: maximum))
        }
        for item in startsWith {
            let (name, prefix) = try pair(item, option: "--starts-with", shape: "FIELD=PREFIX")
            conditions.append(.startsWith(field: name.hasPrefix("$") ? String(name.dropFirst()) : name, prefix: prefix))
        }
        return conditions
    }

    /// The fields of `--field NAME=VALUE`; a name given twice is a mistake.
    static func fields(_ items: [String]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for item in items {
            let (name, value) = try pair(item, option: "--field", shape: "NAME=VALUE")
            guard fields.keys.allSatisfy({ $0.lowercased() != name.lowercased() }) else {
                throw CLIError.usage("--field \(name) is given twice")
            }
            fields[name] = value
        }
        return fields
    }

    private static func pair(_ item: String, option: String, shape: String) throws -> (String, String) {
        guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
            throw CLIError.usage("\(option) takes \(shape)")
        }
        return (String(item[..<equals]), String(item[item.index(after: equals)...]))
    }

    /// A curl command that uploads FILE with the form. `--form-string` sends each value as it is
    /// (plain `-F` would read a value starting with `@` or `<` as a file name).
    static func curlLine(_ form: PresignedPost) -> String {
        var words = ["curl", "-sS", "-X", "POST", shellQuoted(form.url.absoluteString)]
        for field in form.fields {
            words += ["--form-string", shellQuoted("\(field.name)=\(field.value)")]
        }
        words += ["-F", "file=@\"${FILE:?set FILE to the file to upload}\""]
        return words.joined(separator: " ")
    }

    /// One shell word: single quotes, or bash's `$'…'` when the text holds control characters
    /// (which single quotes would carry raw into the terminal).
    static func shellQuoted(_ text: String) -> String {
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            var out = "$'"
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "'": out += "\\'"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\x%02x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "'"
        }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
