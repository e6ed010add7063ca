/// One tag of an object or a bucket: a key and a value, as S3 keeps them.
public struct Tag: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// The body of PutObjectTagging / GetObjectTagging and PutBucketTagging / GetBucketTagging
/// (`?tagging`): an ordered tag set.
public struct Tagging: S3Document {
    public static let rootName = "Tagging"

    public var tagSet: [Tag]

    public init(tagSet: [Tag]) {
        self.tagSet = tagSet
    }

    public init(xml: XML.Element) throws(DocumentError) {
        // S3 requires the TagSet element, even when it is empty.
        guard let set = xml.child("TagSet") else { throw DocumentError(message: "<Tagging> lacks <TagSet>") }
        var tags: [Tag] = []
        for tag in set.children("Tag") {
            // The key may not be left out; an empty value is a value.
            tags.append(Tag(key: try tag.required("Key"), value: tag.string("Value") ?? ""))
            // Bounded before validation: a document may not grow the array without limit.
            guard tags.count <= TagRules.maximumParsedTags else { throw DocumentError(message: "too many <Tag> elements") }
        }
        tagSet = tags
    }

    public func xml() -> XML.Element {
        var set = XML.Element("TagSet")
        for tag in tagSet {
            var element = XML.Element("Tag")
            element.add("Key", tag.key)
            element.add("Value", tag.value)
            set.children.append(element)
        }
        return XML.Element(Self.rootName, children: [set])
    }
}

/// S3's tagging restrictions, and the `x-amz-tagging` header form of a tag set.
public enum TagRules {
    /// Most tags an object may carry.
    public static let maximumObjectTags = 10
    /// Most tags a bucket may carry.
    public static let maximumBucketTags = 50
    /// Longest key, in Unicode characters.
    public static let maximumKeyLength = 128
    /// Longest value, in Unicode characters.
    public static let maximumValueLength = 256
    /// Past this many, a document is refused before any other check.
    static let maximumParsedTags = 1000

    /// Why a tag set breaks S3's rules: the S3 error code and AWS's message.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var code: String
        public var message: String
        public var description: String { "\(code): \(message)" }
    }

    /// The first rule `tags` breaks, as AWS reports it; nil when the set is acceptable.
    public static func problem(_ tags: [Tag], forBucket: Bool) -> Problem? {
        if forBucket {
            if tags.count > maximumBucketTags {
                return Problem(code: "InvalidTag", message: "Bucket tag count cannot be greater than \(maximumBucketTags)")
            }
        } else if tags.count > maximumObjectTags {
            return Problem(code: "BadRequest", message: "Object tags cannot be greater than \(maximumObjectTags)")
        }
        var seen: Set<String> = []
        for tag in tags {
            if tag.key.unicodeScalars.count > maximumKeyLength {
                return Problem(code: "InvalidTag", message: "The TagKey you have provided is too long, max \(maximumKeyLength)")
            }
            if tag.value.unicodeScalars.count > maximumValueLength {
                return Problem(code: "InvalidTag", message: "The TagValue you have provided is too long, max \(maximumValueLength)")
            }
            if tag.key.isEmpty || !isAllowed(tag.key) {
                return Problem(code: "InvalidTag", message: "The TagKey you have provided is invalid")
            }
            if !isAllowed(tag.value) {
                return Problem(code: "InvalidTag", message: "The TagValue you have provided is invalid")
            }
            if tag.key.lowercased().hasPrefix("aws:") {
                return Problem(code: "InvalidTag", message: "Your TagKey cannot be prefixed with aws:")
            }
            guard seen.insert(tag.key).inserted else {
                return Problem(code: "InvalidTag", message: "Cannot provide multiple Tags with the same key")
            }
        }
        return nil
    }

    /// AWS's pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`: letters, separators (spaces) and numbers
    /// of any script, and `_ . : / = + - @`.
    static func isAllowed(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .spaceSeparator, .lineSeparator, .paragraphSeparator, .decimalNumber, .letterNumber, .otherNumber:
                return true
            default:
                return "_.:/=+-@".unicodeScalars.contains(scalar)
            }
        }
    }

    /// Parses the `x-amz-tagging` header (URL query form, `k1=v1&k2=v2`); nil when an escape is
    /// malformed. A key without `=` has the empty value.
    public static func parseHeader(_ text: String) -> [Tag]? {
        guard let items = QueryItem.parse(Substring(text)) else { return nil }
        guard items.count <= maximumParsedTags else { return nil }
        return items.map { Tag(key: $0.name, value: $0.value ?? "") }
    }

    /// The `x-amz-tagging` header value of `tags`, each key and value URI-encoded.
    public static func headerValue(_ tags: [Tag]) -> String {
        QueryItem.render(tags.map { QueryItem($0.key, $0.value) })
    }
}
