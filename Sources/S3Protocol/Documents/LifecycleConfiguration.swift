public import Foundation

/// The body of PutBucketLifecycleConfiguration and GetBucketLifecycleConfiguration
/// (`/bucket?lifecycle`): up to 1,000 rules that expire objects, noncurrent versions and
/// incomplete multipart uploads.
///
/// Decoding checks only the shape a parser can see (numbers that are numbers, known
/// statuses, one time per expiration); ``problem()`` then applies S3's rules and answers with
/// S3's codes and messages, so the server can tell MalformedXML from InvalidArgument as AWS does.
/// Transitions are kept only as a count: a server with one storage class refuses them.
public struct LifecycleConfiguration: S3Document, Codable, Hashable {
    public static let rootName = "LifecycleConfiguration"
    /// S3's limit on the rules of one configuration.
    public static let maximumRules = 1000
    /// S3's limits on a rule ID and a prefix.
    public static let maximumIDLength = 255
    public static let maximumPrefixLength = 1024

    /// The rules, in the order they were given; at most ``maximumRules``.
    public var rules: [LifecycleRule]

    /// A configuration of `rules`.
    public init(rules: [LifecycleRule]) {
        self.rules = rules
    }

    public init(xml: XML.Element) throws(DocumentError) {
        let elements = xml.children("Rule")
        // Counted before anything is decoded, so a huge document is refused cheaply.
        guard elements.count <= Self.maximumRules else {
            throw DocumentError(message: "more than \(Self.maximumRules) rules")
        }
        var rules: [LifecycleRule] = []
        for element in elements { rules.append(try LifecycleRule(xml: element)) }
        self.rules = rules
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.children = rules.map { $0.xml() }
        return root
    }

    /// What S3 answers a configuration that decodes but breaks its rules.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// S3's error code, such as `InvalidArgument`.
        public var code: S3ErrorCode
        /// S3's message for it.
        public var message: String
        /// A problem with S3's `code` and `message`.
        public init(_ code: S3ErrorCode, _ message: String) {
            self.code = code
            self.message = message
        }
        public var description: String { "\(code): \(message)" }
    }

    /// The first rule S3 would refuse the configuration for, nil when it is acceptable.
    /// MalformedXML problems carry only the detail; the caller adds S3's standard sentence.
    public func problem() -> Problem? {
        guard !rules.isEmpty else { return Problem(.malformedXML, "a lifecycle configuration needs at least one <Rule>") }
        var ids: Set<String> = []
        for rule in rules {
            if let problem = rule.problem() { return problem }
            if let id = rule.id, !id.isEmpty, !ids.insert(id).inserted {
                return Problem(.invalidArgument, "Rule ID must be unique. Found same ID for more than one rule")
            }
        }
        return nil
    }
}

/// One rule of a ``LifecycleConfiguration``.
public struct LifecycleRule: Sendable, Hashable, Codable {
    /// Whether a rule is applied.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case enabled = "Enabled"
        case disabled = "Disabled"
    }

    /// Which objects a rule applies to: every condition given must hold.
    public struct Filter: Sendable, Hashable, Codable {
        /// Keys that start with this (bytewise); nil or empty: every key.
        public var prefix: String?
        /// Tags an object must all carry.
        public var tags: [Tag]
        /// Objects larger than this many bytes only.
        public var objectSizeGreaterThan: Int64?
        /// Objects smaller than this many bytes only.
        public var objectSizeLessThan: Int64?
        /// Whether the conditions were (or are to be) written inside `<And>`; S3 needs it for
        /// more than one condition.
        public var usesAnd: Bool
        /// Whether a decoded filter had conditions both inside and beside `<And>`.
        var mixesAnd: Bool? = nil

        public init(
            prefix: String? = nil, tags: [Tag] = [], objectSizeGreaterThan: Int64? = nil, objectSizeLessThan: Int64? = nil,
            usesAnd: Bool? = nil
        ) {
            // `usesAnd` defaults to what S3 needs: `<And>` for more than one condition.
            self.prefix = prefix
            self.tags = tags
            self.objectSizeGreaterThan = objectSizeGreaterThan
            self.objectSizeLessThan = objectSizeLessThan
            let count = (prefix == nil ? 0 : 1) + tags.count + (objectSizeGreaterThan == nil ? 0 : 1) + (objectSizeLessThan == nil ? 0 : 1)
            self.usesAnd = usesAnd ?? (count > 1)
        }

        /// The number of conditions.
        var conditionCount: Int {
            (prefix == nil ? 0 : 1) + tags.count + (objectSizeGreaterThan == nil ? 0 : 1) + (objectSizeLessThan == nil ? 0 : 1)
        }
    }

    /// A tag a filter asks for.
    public struct Tag: Sendable, Hashable, Codable {
        public var key: String
        public var value: String
        /// The tag `key` = `value`.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Expiration of current versions: after `days`, on `date`, or (`expiredObjectDeleteMarker`)
    /// removal of a delete marker that is all that is left of a key.
    public struct Expiration: Sendable, Hashable, Codable {
        /// Days after the object was written (at least 1).
        public var days: Int?
        /// A midnight UTC from which matching objects expire.
        public var date: Date?
        /// Removes delete markers that hide no version any more.
        public var expiredObjectDeleteMarker: Bool?
        /// Give exactly one of the three.
        public init(days: Int? = nil, date: Date? = nil, expiredObjectDeleteMarker: Bool? = nil) {
            self.days = days
            self.date = date
            self.expiredObjectDeleteMarker = expiredObjectDeleteMarker
        }
    }

    /// Expiration of versions `noncurrentDays` after they stopped being current, keeping the
    /// `newerNoncurrentVersions` newest noncurrent versions whatever their age.
    public struct NoncurrentVersionExpiration: Sendable, Hashable, Codable {
        /// Days after a version stopped being current (at least 1).
        public var noncurrentDays: Int?
        /// How many of the newest noncurrent versions to keep whatever their age (1...100).
        public var newerNoncurrentVersions: Int?
        /// Expire noncurrent versions after `noncurrentDays`, keeping `newerNoncurrentVersions`.
        public init(noncurrentDays: Int?, newerNoncurrentVersions: Int? = nil) {
            self.noncurrentDays = noncurrentDays
            self.newerNoncurrentVersions = newerNoncurrentVersions
        }
    }

    /// nil or empty: S3 (and mss-server) give the rule a generated ID.
    public var id: String?
    /// Only enabled rules are applied.
    public var status: Status
    /// `<Filter>`; nil when the rule uses the older rule-level `<Prefix>` (or neither, which
    /// S3 refuses).
    public var filter: Filter?
    /// The legacy rule-level `<Prefix>`.
    public var prefix: String?
    /// Expiration of current versions.
    public var expiration: Expiration?
    /// Expiration of noncurrent versions (versioned buckets).
    public var noncurrentVersionExpiration: NoncurrentVersionExpiration?
    /// `<AbortIncompleteMultipartUpload><DaysAfterInitiation>`.
    public var abortIncompleteMultipartUploadDays: Int?
    /// `<Transition>` and `<NoncurrentVersionTransition>` elements seen: storage classes a
    /// server with one class cannot honour.
    public var transitionCount: Int

    /// A rule; by default enabled, for every key (an empty `<Filter>`), with no action (S3
    /// needs at least one).
    public init(
        id: String? = nil, status: Status = .enabled, filter: Filter? = Filter(), prefix: String? = nil, expiration: Expiration? = nil,
        noncurrentVersionExpiration: NoncurrentVersionExpiration? = nil, abortIncompleteMultipartUploadDays: Int? = nil,
        transitionCount: Int = 0
    ) {
        self.id = id
        self.status = status
        self.filter = filter
        self.prefix = prefix
        self.expiration = expiration
        self.noncurrentVersionExpiration = noncurrentVersionExpiration
        self.abortIncompleteMultipartUploadDays = abortIncompleteMultipartUploadDays
        self.transitionCount = transitionCount
    }

    /// The prefix the rule applies to, from the filter or the legacy element.
    public var effectivePrefix: String { filter?.prefix ?? prefix ?? "" }

    /// The tags an object needs for the rule to apply.
    public var effectiveTags: [Tag] { filter?.tags ?? [] }

    init(xml: XML.Element) throws(DocumentError) {
        id = xml.string("ID")
        guard let statusText = xml.string("Status")?.trimmingXMLWhitespace() else {
            throw DocumentError(message: "<Rule> lacks <Status>")
        }
        guard let status = Status(rawValue: statusText) else {
            throw DocumentError(message: "<Status> is neither Enabled nor Disabled: \(statusText.prefix(40))")
        }
        self.status = status
        let filters = xml.children("Filter")
        let prefixes = xml.children("Prefix")
        guard filters.count <= 1, prefixes.count <= 1 else { throw DocumentError(message: "a <Rule> has one <Filter> or one <Prefix>") }
        filter = try filters.first.map { element throws(DocumentError) in try Self.filter(element) }
        prefix = prefixes.first?.text
        let expirations = xml.children("Expiration")
        guard expirations.count <= 1 else { throw DocumentError(message: "more than one <Expiration> in a rule") }
        if let element = expirations.first {
            let days = try Self.count(element, "Days")
            let date = try Self.date(element)
            var deleteMarker: Bool?
            if let text = element.string("ExpiredObjectDeleteMarker")?.trimmingXMLWhitespace() {
                guard text == "true" || text == "false" else {
                    throw DocumentError(message: "<ExpiredObjectDeleteMarker> is neither true nor false")
                }
                deleteMarker = text == "true"
            }
            let times = (days == nil ? 0 : 1) + (date == nil ? 0 : 1) + (deleteMarker == nil ? 0 : 1)
            guard times == 1 else {
                throw DocumentError(message: times == 0 ? "<Expiration> needs <Days>, <Date> or <ExpiredObjectDeleteMarker>" : "<Expiration> has more than one of <Days>, <Date> and <ExpiredObjectDeleteMarker>")
            }
            expiration = Expiration(days: days, date: date, expiredObjectDeleteMarker: deleteMarker)
        } else {
            expiration = nil
        }
        let noncurrent = xml.children("NoncurrentVersionExpiration")
        guard noncurrent.count <= 1 else { throw DocumentError(message: "more than one <NoncurrentVersionExpiration> in a rule") }
        if let element = noncurrent.first {
            guard let days = try Self.count(element, "NoncurrentDays") else {
                throw DocumentError(message: "<NoncurrentVersionExpiration> lacks <NoncurrentDays>")
            }
            noncurrentVersionExpiration = NoncurrentVersionExpiration(
                noncurrentDays: days, newerNoncurrentVersions: try Self.count(element, "NewerNoncurrentVersions"))
        } else {
            noncurrentVersionExpiration = nil
        }
        let aborts = xml.children("AbortIncompleteMultipartUpload")
        guard aborts.count <= 1 else { throw DocumentError(message: "more than one <AbortIncompleteMultipartUpload> in a rule") }
        if let element = aborts.first {
            guard let days = try Self.count(element, "DaysAfterInitiation") else {
                throw DocumentError(message: "<AbortIncompleteMultipartUpload> lacks <DaysAfterInitiation>")
            }
            abortIncompleteMultipartUploadDays = days
        } else {
            abortIncompleteMultipartUploadDays = nil
        }
        transitionCount = xml.children("Transition").count + xml.children("NoncurrentVersionTransition").count
    }

    /// A day count as the schema's 32-bit integer: zero and negative numbers decode (S3 refuses
    /// them with InvalidArgument, see ``problem()``), anything else that is not such a number is
    /// malformed.
    private static func count(_ element: XML.Element, _ name: String) throws(DocumentError) -> Int? {
        let found = element.children(name)
        guard found.count <= 1 else { throw DocumentError(message: "more than one <\(name)>") }
        guard let text = found.first?.text.trimmingXMLWhitespace() else { return nil }
        let negative = text.hasPrefix("-")
        guard let magnitude = S3Limits.decimal(negative ? text.dropFirst() : Substring(text)), magnitude <= Int64(Int32.max) else {
            throw DocumentError(message: "<\(name)> is not an integer: \(text.prefix(40))")
        }
        return negative ? -Int(magnitude) : Int(magnitude)
    }

    private static func date(_ element: XML.Element) throws(DocumentError) -> Date? {
        let found = element.children("Date")
        guard found.count <= 1 else { throw DocumentError(message: "more than one <Date>") }
        guard let text = found.first?.text.trimmingXMLWhitespace() else { return nil }
        guard let date = HTTPDate.parseISO8601(text) ?? Self.plainDate(text) else {
            throw DocumentError(message: "<Date> is not an ISO 8601 date: \(text.prefix(40))")
        }
        return date
    }

    /// `2026-01-31`, which S3 reads as that day's midnight UTC.
    private static func plainDate(_ text: String) -> Date? {
        guard text.utf8.count == 10 else { return nil }
        return HTTPDate.parseISO8601(text + "T00:00:00Z")
    }

    private static func filter(_ element: XML.Element) throws(DocumentError) -> Filter {
        let ands = element.children("And")
        let direct = element.children.filter { $0.name != "And" }
        guard ands.count <= 1 else { throw DocumentError(message: "more than one <And> in a <Filter>") }
        if let and = ands.first {
            // Ceph RGW answers GET with the prefix beside <And>; S3 refuses that in a PUT
            // (``problem()``), but it reads as one filter.
            var filter = try conditions(XML.Element("And", children: direct + and.children))
            filter.usesAnd = true
            filter.mixesAnd = direct.isEmpty ? nil : true
            return filter
        }
        // Several conditions without <And> are S3's MalformedXML (see ``problem()``), but Ceph
        // RGW answers GET that way, so they decode.
        var filter = try conditions(element)
        filter.usesAnd = false
        return filter
    }

    private static func conditions(_ element: XML.Element) throws(DocumentError) -> Filter {
        var filter = Filter()
        for child in element.children {
            switch child.name {
            case "Prefix":
                guard filter.prefix == nil else { throw DocumentError(message: "more than one <Prefix> in a filter") }
                filter.prefix = child.text
            case "Tag":
                guard let key = child.string("Key"), let value = child.string("Value") else {
                    throw DocumentError(message: "a <Tag> needs <Key> and <Value>")
                }
                filter.tags.append(Tag(key: key, value: value))
            case "ObjectSizeGreaterThan", "ObjectSizeLessThan":
                let text = child.text.trimmingXMLWhitespace()
                guard let size = S3Limits.decimal(text) else {
                    throw DocumentError(message: "<\(child.name)> is not a size: \(text.prefix(40))")
                }
                if child.name == "ObjectSizeGreaterThan" {
                    guard filter.objectSizeGreaterThan == nil else { throw DocumentError(message: "more than one <ObjectSizeGreaterThan>") }
                    filter.objectSizeGreaterThan = size
                } else {
                    guard filter.objectSizeLessThan == nil else { throw DocumentError(message: "more than one <ObjectSizeLessThan>") }
                    filter.objectSizeLessThan = size
                }
            default:
                throw DocumentError(message: "unknown element <\(child.name.prefix(40))> in a filter")
            }
        }
        return filter
    }

    /// What S3 refuses in this rule alone (IDs across rules: ``LifecycleConfiguration/problem()``).
    public func problem() -> LifecycleConfiguration.Problem? {
        typealias Problem = LifecycleConfiguration.Problem
        if transitionCount > 0 {
            return Problem(
                .notImplemented,
                "mss-server has a single storage class: Transition and NoncurrentVersionTransition actions are not supported.")
        }
        if filter != nil && prefix != nil {
            return Problem(.malformedXML, "a <Rule> has either <Filter> or <Prefix>, not both")
        }
        if filter == nil && prefix == nil {
            return Problem(.malformedXML, "a <Rule> needs <Filter> or <Prefix>")
        }
        if filter?.mixesAnd == true {
            return Problem(.malformedXML, "a <Filter> holds <And> or one condition, not both")
        }
        if let filter, filter.usesAnd ? filter.conditionCount < 2 : filter.conditionCount > 1 {
            return Problem(
                .malformedXML, filter.usesAnd ? "<And> needs at least two conditions" : "a <Filter> with more than one condition needs <And>")
        }
        if let id, id.count > LifecycleConfiguration.maximumIDLength {
            return Problem(.invalidArgument, "ID length should not exceed allowed limit of 255")
        }
        if effectivePrefix.utf8.count > LifecycleConfiguration.maximumPrefixLength {
            return Problem(.invalidRequest, "The maximum size of a prefix is 1024")
        }
        if expiration == nil && noncurrentVersionExpiration == nil && abortIncompleteMultipartUploadDays == nil {
            return Problem(.invalidRequest, "At least one action needs to be specified in a rule")
        }
        var tagKeys: Set<String> = []
        for tag in effectiveTags {
            guard (1...128).contains(tag.key.count), tag.value.count <= 256 else {
                return Problem(.invalidArgument, "The TagKey you have provided is invalid")
            }
            guard tagKeys.insert(tag.key).inserted else { return Problem(.invalidArgument, "Duplicate Tag Keys are not allowed.") }
        }
        if let greater = filter?.objectSizeGreaterThan, let less = filter?.objectSizeLessThan, less <= greater {
            return Problem(.invalidArgument, "ObjectSizeLessThan must be greater than ObjectSizeGreaterThan")
        }
        if let expiration {
            if let days = expiration.days, days <= 0 {
                return Problem(.invalidArgument, "'Days' for Expiration action must be a positive integer")
            }
            if let date = expiration.date, date.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) != 0 {
                return Problem(.invalidArgument, "'Date' must be at midnight GMT")
            }
            if expiration.expiredObjectDeleteMarker != nil && !effectiveTags.isEmpty {
                return Problem(.invalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Tags.")
            }
        }
        if let noncurrent = noncurrentVersionExpiration {
            if let days = noncurrent.noncurrentDays, days <= 0 {
                return Problem(.invalidArgument, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
            }
            if let newer = noncurrent.newerNoncurrentVersions, newer <= 0 || newer > 100 {
                return Problem(
                    .invalidArgument, "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100")
            }
        }
        if let days = abortIncompleteMultipartUploadDays {
            if days <= 0 {
                return Problem(.invalidArgument, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
            }
            if !effectiveTags.isEmpty {
                return Problem(.invalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags.")
            }
        }
        return nil
    }

    func xml() -> XML.Element {
        var rule = XML.Element("Rule")
        rule.add("ID", id)
        if let filter {
            var element = XML.Element("Filter")
            var conditions: [XML.Element] = []
            if let prefix = filter.prefix { conditions.append(.leaf("Prefix", prefix)) }
            for tag in filter.tags {
                conditions.append(XML.Element("Tag", children: [.leaf("Key", tag.key), .leaf("Value", tag.value)]))
            }
            if let size = filter.objectSizeGreaterThan { conditions.append(.leaf("ObjectSizeGreaterThan", String(size))) }
            if let size = filter.objectSizeLessThan { conditions.append(.leaf("ObjectSizeLessThan", String(size))) }
            if filter.usesAnd || conditions.count > 1 {
                element.children = [XML.Element("And", children: conditions)]
            } else {
                element.children = conditions
            }
            rule.children.append(element)
        } else {
            rule.add("Prefix", prefix ?? "")
        }
        rule.add("Status", status.rawValue)
        if let expiration {
            var element = XML.Element("Expiration")
            element.add("Date", expiration.date)
            element.add("Days", expiration.days)
            if let marker = expiration.expiredObjectDeleteMarker { element.add("ExpiredObjectDeleteMarker", marker) }
            rule.children.append(element)
        }
        if let noncurrent = noncurrentVersionExpiration {
            var element = XML.Element("NoncurrentVersionExpiration")
            element.add("NoncurrentDays", noncurrent.noncurrentDays)
            element.add("NewerNoncurrentVersions", noncurrent.newerNoncurrentVersions)
            rule.children.append(element)
        }
        if let days = abortIncompleteMultipartUploadDays {
            var element = XML.Element("AbortIncompleteMultipartUpload")
            element.add("DaysAfterInitiation", days)
            rule.children.append(element)
        }
        return rule
    }
}
