import Foundation

/// Where a command's results go: lines for people on standard output, or one JSON object per
/// line with `--json`; notes and progress on standard error; nothing but errors with `--quiet`.
struct Output: Sendable {
    var json: Bool
    var quiet: Bool
    var debug: Bool

    /// A result: `text` for people, `fields` for scripts.
    /// Only the form asked for is built: a listing of many keys pays for one of them.
    func result(_ text: @autoclosure () -> String, _ fields: @autoclosure () -> [String: JSONValue]) {
        if json {
            StandardStream.output.write(JSONValue.object(fields()).rendered + "\n")
        } else if !quiet {
            StandardStream.output.write(text() + "\n")
        }
    }

    /// Something people may want to know that is not a result.
    func note(_ text: String) {
        guard !quiet && !json else { return }
        StandardStream.error.write("mss: " + text + "\n")
    }

    func error(_ text: String) {
        if json {
            StandardStream.output.write(JSONValue.object(["error": .string(text)]).rendered + "\n")
        }
        StandardStream.error.write("mss: error: " + text + "\n")
    }

    /// Whether a progress bar should draw: only on a terminal, and only for people.
    var showsProgress: Bool { !quiet && !json && isatty(STDERR_FILENO) == 1 }
}

/// A JSON value, rendered with sorted keys so output is stable.
enum JSONValue: Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }
    static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    static func date(_ value: Date?) -> JSONValue { value.map { .string(HumanFormat.iso8601($0)) } ?? .null }

    var rendered: String {
        switch self {
        case .string(let text): return Self.quote(text)
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.sorted { $0.key < $1.key }.map { Self.quote($0.key) + ":" + $0.value.rendered }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        // Most keys and values need no escape: then the text goes in whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
