/// The body of PutBucketCors and GetBucketCors (`/bucket?cors`): the rules that decide which
/// cross-origin browser requests a bucket answers, and with which `Access-Control-*` headers.
public struct CORSConfiguration: S3Document {
    public static let rootName = "CORSConfiguration"

    /// Most rules a configuration may hold.
    public static let maximumRules = 100
    /// Largest configuration document, in bytes.
    public static let maximumDocumentSize = 64 * 1024
    /// The methods a rule may allow.
    public static let supportedMethods: Set<String> = ["GET", "PUT", "POST", "DELETE", "HEAD"]

    /// One rule: which origins may use which methods with which request headers.
    public struct Rule: Sendable, Hashable {
        public var id: String?
        public var allowedMethods: [String]
        public var allowedOrigins: [String]
        public var allowedHeaders: [String]
        public var exposeHeaders: [String]
        public var maxAgeSeconds: Int?

        public init(
            id: String? = nil, allowedMethods: [String], allowedOrigins: [String], allowedHeaders: [String] = [],
            exposeHeaders: [String] = [], maxAgeSeconds: Int? = nil
        ) {
            self.id = id
            self.allowedMethods = allowedMethods
            self.allowedOrigins = allowedOrigins
            self.allowedHeaders = allowedHeaders
            self.exposeHeaders = exposeHeaders
            self.maxAgeSeconds = maxAgeSeconds
        }

        /// Whether the rule lets `origin` use `method` with every header of `requestHeaders`.
        /// Origins compare case-sensitively, header names case-insensitively, as S3 does.
        public func allows(origin: String, method: String, requestHeaders: [String] = []) -> Bool {
            guard allowedMethods.contains(method) else { return false }
            guard allowedOrigins.contains(where: { CORSConfiguration.wildcardMatch($0, origin) }) else { return false }
            let patterns = allowedHeaders.map { $0.lowercased() }
            return requestHeaders.allSatisfy { header in
                let name = header.lowercased()
                return patterns.contains { CORSConfiguration.wildcardMatch($0, name) }
            }
        }

        /// Whether an origin of the rule is the bare `*`, which S3 answers with `*` itself.
        public var allowsAnyOrigin: Bool { allowedOrigins.contains("*") }
    }

    /// Why a configuration is refused: the S3 error code and AWS's message.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var code: String
        public var message: String
        public var description: String { "\(code): \(message)" }
    }

    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    public init(xml: XML.Element) throws(DocumentError) {
        let elements = xml.children("CORSRule")
        // The schema needs at least one rule; far too many cannot be a configuration.
        guard !elements.isEmpty else { throw DocumentError(message: "<CORSConfiguration> lacks <CORSRule>") }
        guard elements.count <= 10 * Self.maximumRules else { throw DocumentError(message: "too many <CORSRule> elements") }
        var rules: [Rule] = []
        for element in elements {
            let methods = element.children("AllowedMethod").map { $0.text.trimmingXMLWhitespace() }
            let origins = element.children("AllowedOrigin").map { $0.text.trimmingXMLWhitespace() }
            guard !methods.isEmpty else { throw DocumentError(message: "<CORSRule> lacks <AllowedMethod>") }
            guard !origins.isEmpty else { throw DocumentError(message: "<CORSRule> lacks <AllowedOrigin>") }
            guard element.children("MaxAgeSeconds").count <= 1, element.children("ID").count <= 1 else {
                throw DocumentError(message: "<CORSRule> repeats <MaxAgeSeconds> or <ID>")
            }
            rules.append(
                Rule(
                    id: element.string("ID"), allowedMethods: methods, allowedOrigins: origins,
                    allowedHeaders: element.children("AllowedHeader").map { $0.text.trimmingXMLWhitespace() },
                    exposeHeaders: element.children("ExposeHeader").map { $0.text.trimmingXMLWhitespace() },
                    maxAgeSeconds: try element.int("MaxAgeSeconds", in: 0...Int(Int32.max))))
        }
        self.rules = rules
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        for rule in rules {
            var element = XML.Element("CORSRule")
            element.add("ID", rule.id)
            for header in rule.allowedHeaders { element.add("AllowedHeader", header) }
            for method in rule.allowedMethods { element.add("AllowedMethod", method) }
            for origin in rule.allowedOrigins { element.add("AllowedOrigin", origin) }
            for header in rule.exposeHeaders { element.add("ExposeHeader", header) }
            element.add("MaxAgeSeconds", rule.maxAgeSeconds)
            root.children.append(element)
        }
        return root
    }

    /// The first rule S3 would break, as AWS words it; nil when the configuration is acceptable.
    public func problem() -> Problem? {
        if rules.isEmpty || rules.count > Self.maximumRules {
            return Problem(code: "MalformedXML", message: "The XML you provided was not well-formed or did not validate against our published schema")
        }
        for rule in rules {
            if let id = rule.id, id.count > 255 {
                return Problem(code: "InvalidArgument", message: "The ID of a CORS rule can not be longer than 255 characters.")
            }
            for method in rule.allowedMethods where !Self.supportedMethods.contains(method) {
                return Problem(code: "InvalidRequest", message: "Found unsupported HTTP method in CORS config. Unsupported method is \(method)")
            }
            for origin in rule.allowedOrigins where origin.count(where: { $0 == "*" }) > 1 {
                return Problem(code: "InvalidRequest", message: "AllowedOrigin \"\(origin)\" can not have more than one wildcard.")
            }
            for header in rule.allowedHeaders where header.count(where: { $0 == "*" }) > 1 {
                return Problem(code: "InvalidRequest", message: "AllowedHeader \"\(header)\" can not have more than one wildcard.")
            }
        }
        return nil
    }

    /// The first rule that lets the request through, as S3 evaluates them: in order.
    public func firstRule(origin: String, method: String, requestHeaders: [String] = []) -> Rule? {
        rules.first { $0.allows(origin: origin, method: method, requestHeaders: requestHeaders) }
    }

    /// Matches `text` against `pattern`, where one `*` stands for any run of characters.
    static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let prefix = pattern[..<star]
        let suffix = pattern[pattern.index(after: star)...]
        // Compared as scalars so a combining mark cannot make the halves overlap differently.
        return text.unicodeScalars.count >= prefix.unicodeScalars.count + suffix.unicodeScalars.count
            && text.unicodeScalars.starts(with: prefix.unicodeScalars)
            && text.unicodeScalars.reversed().starts(with: suffix.unicodeScalars.reversed())
    }
}
