import Foundation

/// An S3 XML document that both sides use: the server encodes it, the client decodes it (or
/// the other way round for request bodies), through this one definition.
public protocol S3Document: Sendable, Equatable {
    static var rootName: String { get }
    /// Other root names seen in the wild for the same document: moto answers ListParts and
    /// CompleteMultipartUpload with `…Response` roots, so that spelling is accepted by default.
    static var alternativeRootNames: Set<String> { get }
    init(xml: XML.Element) throws(DocumentError)
    func xml() -> XML.Element
}

extension S3Document {
    public static var alternativeRootNames: Set<String> {
        rootName.hasSuffix("Result") ? [String(rootName.dropLast(6)) + "Response"] : []
    }

    /// Decodes the document from a response or request body.
    public init(bytes: [UInt8]) throws(DocumentError) {
        let root: XML.Element
        do {
            root = try XML.parse(bytes)
        } catch {
            throw DocumentError(message: error.description)
        }
        guard root.name == Self.rootName || Self.alternativeRootNames.contains(root.name) else {
            throw DocumentError(message: "expected <\(Self.rootName)>, found <\(root.name)>")
        }
        try self.init(xml: root)
    }

    /// The serialised document with the S3 namespace on its root.
    public func serialized() -> String {
        var root = xml()
        root.attributes["xmlns"] = S3Namespace.uri
        return root.serialized()
    }
}

public enum S3Namespace {
    public static let uri = "http://s3.amazonaws.com/doc/2006-03-01/"
}

/// A document that does not have the shape its type expects.
public struct DocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension XML.Element {
    func required(_ name: String) throws(DocumentError) -> String {
        guard let value = string(name) else { throw DocumentError(message: "<\(self.name)> lacks <\(name)>") }
        return value
    }

    func int(_ name: String) throws(DocumentError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text.trimmingXMLWhitespace()) else { throw DocumentError(message: "<\(name)> is not a number: \(text.prefix(40))") }
        return value
    }

    /// A number that must lie in `range`: out of it, the document cannot be right.
    func int(_ name: String, in range: ClosedRange<Int>) throws(DocumentError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = S3Limits.decimal(text.trimmingXMLWhitespace()).flatMap({ Int(exactly: $0) }), range.contains(value) else {
            throw DocumentError(message: "<\(name)> is not a number in \(range.lowerBound)...\(range.upperBound): \(text.prefix(40))")
        }
        return value
    }

    /// A byte count in `0...5 TiB`, S3's largest object.
    func size(_ name: String) throws(DocumentError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = S3Limits.size(text.trimmingXMLWhitespace()) else {
            throw DocumentError(message: "<\(name)> is not a size from 0 to 5 TiB: \(text.prefix(40))")
        }
        return value
    }

    func bool(_ name: String) -> Bool {
        string(name)?.lowercased() == "true"
    }

    func date(_ name: String) throws(DocumentError) -> Date? {
        guard let text = string(name) else { return nil }
        let trimmed = text.trimmingXMLWhitespace()
        guard let value = HTTPDate.parseISO8601(trimmed) ?? HTTPDate.parseRFC1123(trimmed) else {
            throw DocumentError(message: "<\(name)> is not a date: \(text.prefix(40))")
        }
        return value
    }

    /// Appends `<name>text</name>` when `text` is non-nil.
    mutating func add(_ name: String, _ text: String?) {
        if let text { children.append(.leaf(name, text)) }
    }

    mutating func add(_ name: String, _ value: Int?) {
        if let value { children.append(.leaf(name, String(value))) }
    }

    mutating func add(_ name: String, _ value: Bool) {
        children.append(.leaf(name, value ? "true" : "false"))
    }

    mutating func add(_ name: String, _ date: Date?) {
        if let date { children.append(.leaf(name, HTTPDate.iso8601(date))) }
    }

    /// The `<CommonPrefixes><Prefix>…</Prefix></CommonPrefixes>` groups of a listing.
    func commonPrefixes() -> [String] {
        children("CommonPrefixes").compactMap { $0.string("Prefix") }
    }

    mutating func add(commonPrefixes: [String]) {
        for prefix in commonPrefixes {
            var element = XML.Element("CommonPrefixes")
            element.add("Prefix", prefix)
            children.append(element)
        }
    }
}
