import Foundation

/// One condition of a POST policy.
///
/// Field names are compared ignoring case, as S3 does, and are kept without the `$` the JSON
/// array forms put before them.
public enum PostPolicyCondition: Sendable, Hashable {
    /// The field must equal `value` (`{"field": "value"}` or `["eq", "$field", "value"]`).
    case exact(field: String, value: String)
    /// The field must start with `prefix`; an empty prefix allows any value.
    /// For `Content-Type`, every comma-separated value must.
    case startsWith(field: String, prefix: String)
    /// The file's size must lie in `minimum...maximum` bytes.
    case contentLengthRange(minimum: Int64, maximum: Int64)

    /// The field the condition is about, lower-case; nil for `content-length-range`.
    public var fieldName: String? {
        switch self {
        case .exact(let field, _), .startsWith(let field, _): field.lowercased()
        case .contentLengthRange: nil
        }
    }

    /// The condition as JSON, as it goes into the policy document.
    public func json() -> String {
        switch self {
        case .exact(let field, let value): "{\(Self.jsonString(field)):\(Self.jsonString(value))}"
        case .startsWith(let field, let prefix): "[\"starts-with\",\(Self.jsonString("$" + field)),\(Self.jsonString(prefix))]"
        case .contentLengthRange(let minimum, let maximum): "[\"content-length-range\",\(minimum),\(maximum)]"
        }
    }

    /// How S3 names a failed condition in its message: `["eq", "$key", "value"]`.
    public var failureText: String {
        switch self {
        case .exact(let field, let value): "[\"eq\", \(Self.jsonString("$" + field)), \(Self.jsonString(value))]"
        case .startsWith(let field, let prefix): "[\"starts-with\", \(Self.jsonString("$" + field)), \(Self.jsonString(prefix))]"
        case .contentLengthRange(let minimum, let maximum): "[\"content-length-range\", \(minimum), \(maximum)]"
        }
    }

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Reads one item of the `conditions` array: an object of exact matches, or an array.
    static func parse(_ item: Any) throws(PostPolicy.Invalid) -> [PostPolicyCondition] {
        if let object = item as? [String: Any] {
            var conditions: [PostPolicyCondition] = []
            for (field, value) in object.sorted(by: { $0.key < $1.key }) {
                guard let value = value as? String else { throw PostPolicy.Invalid("Invalid Simple-Condition: value must be a string.") }
                conditions.append(.exact(field: field, value: value))
            }
            return conditions
        }
        guard let array = item as? [Any], let operation = array.first as? String else {
            throw PostPolicy.Invalid("Invalid Condition: condition is not an array or an object.")
        }
        switch operation.lowercased() {
        case "eq", "starts-with":
            guard array.count == 3, let field = array[1] as? String, field.hasPrefix("$"), field.count > 1,
                let value = array[2] as? String
            else {
                throw PostPolicy.Invalid("Invalid Condition: '\(operation)' takes a \"$field\" and a string.")
            }
            let name = String(field.dropFirst())
            return [operation.lowercased() == "eq" ? .exact(field: name, value: value) : .startsWith(field: name, prefix: value)]
        case "content-length-range":
            guard array.count == 3, let minimum = Self.byteCount(array[1]), let maximum = Self.byteCount(array[2]) else {
                throw PostPolicy.Invalid("Invalid Condition: 'content-length-range' takes two non-negative whole numbers.")
            }
            return [.contentLengthRange(minimum: minimum, maximum: maximum)]
        default:
            throw PostPolicy.Invalid("Invalid Condition: unknown operation '\(operation.prefix(32))'.")
        }
    }

    /// A non-negative whole number from JSON, as a number or a string of digits.
    private static func byteCount(_ value: Any) -> Int64? {
        if let text = value as? String { return S3Limits.decimal(text) }
        guard let number = value as? NSNumber else { return nil }
        // Checked as a double first so fractions, negatives and huge values are refused before
        // the integer reading (exact for whatever passes) is taken.
        let double = number.doubleValue
        guard double >= 0, double < 9.0e18, double == double.rounded(.towardZero) else { return nil }
        return number.int64Value
    }
}
