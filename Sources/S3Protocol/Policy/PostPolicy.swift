public import Foundation

/// A POST policy document: when it expires and the conditions a browser form upload must meet.
///
/// The same type is written by a client (``json()``, then base64 as the form's `policy` field)
/// and read by a server (``init(base64:)``), which then checks a form with ``evaluate(_:)``.
public struct PostPolicy: Sendable, Hashable {
    /// The largest decoded policy accepted; S3 bounds everything before the file to 20 KB.
    public static let maximumBytes = 20 * 1024
    /// How deeply arrays and objects may nest; a valid policy needs 3 levels.
    public static let maximumDepth = 4

    public var expiration: Date
    public var conditions: [PostPolicyCondition]

    public init(expiration: Date, conditions: [PostPolicyCondition]) {
        self.expiration = expiration
        self.conditions = conditions
    }

    /// Why a policy document cannot be read (S3's InvalidPolicyDocument).
    public struct Invalid: Error, Sendable, Hashable, CustomStringConvertible {
        /// S3's message, `Invalid Policy: …`.
        public var message: String
        public var description: String { message }
        init(_ detail: String) { message = "Invalid Policy: \(detail)" }
    }

    /// Decodes the form's `policy` field: base64 of a JSON document.
    public init(base64 text: String) throws(Invalid) {
        guard text.utf8.count <= Self.maximumBytes * 4 / 3 + 4,
            let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters)
        else { throw Invalid("Invalid 'POST' form: policy is not base64.") }
        try self.init(json: data)
    }

    /// Reads the JSON document, with bounds on its size, its nesting and its numbers.
    public init(json data: Data) throws(Invalid) {
        guard data.count <= Self.maximumBytes else { throw Invalid("Policy document too large.") }
        guard Self.nestingDepth(data) <= Self.maximumDepth else { throw Invalid("Invalid JSON.") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw Invalid("Invalid JSON.")
        }
        guard let document = object as? [String: Any] else { throw Invalid("Invalid JSON.") }
        guard let expirationValue = document["expiration"] else { throw Invalid("Policy missing expiration.") }
        guard let expirationText = expirationValue as? String, let expiration = HTTPDate.parseISO8601(expirationText) else {
            throw Invalid("Invalid 'expiration' value: '\(String(describing: expirationValue).prefix(64))'")
        }
        guard let conditionsValue = document["conditions"] else { throw Invalid("Policy missing conditions.") }
        guard let list = conditionsValue as? [Any] else { throw Invalid("Invalid 'conditions' value.") }
        var conditions: [PostPolicyCondition] = []
        for item in list {
            conditions += try PostPolicyCondition.parse(item)
        }
        self.expiration = expiration
        self.conditions = conditions
    }

    /// The deepest nesting of arrays and objects, counted without parsing (strings skipped), so
    /// a hostile document never reaches a recursive parser.
    static func nestingDepth(_ data: Data) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// The document as JSON, conditions in order.
    public func json() -> Data {
        var text = "{\"expiration\":\"\(HTTPDate.iso8601(expiration))\",\"conditions\":["
        text += conditions.map { $0.json() }.joined(separator: ",")
        text += "]}"
        return Data(text.utf8)
    }

    /// The form's `policy` field.
    public func base64() -> String { json().base64EncodedString() }
}
