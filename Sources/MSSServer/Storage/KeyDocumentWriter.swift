import Foundation

/// Writes a key's document (``StoredKey``) byte for byte as ``ObjectStore/documentEncoder()``
/// does, without `JSONEncoder`.
///
/// Why: every change of a key encodes its document, and `JSONEncoder` took 8.5% of the server's
/// CPU under 4 KiB PUTs (boxing each field through its generic containers) for a fixed shape.
/// Documents with tags or encryption, rare and more varied, still go through `JSONEncoder`
/// (``encode(_:)`` returns nil for them). `KeyDocumentWriterTests` holds the output to
/// `JSONEncoder`'s for random documents, and the reader of both is the same `JSONDecoder`.
struct KeyDocumentWriter {
    private var bytes: [UInt8] = []

    /// The document of `stored`: written here, or by `encoder` (``ObjectStore/documentEncoder()``)
    /// when ``encode(_:)`` leaves it.
    static func document(_ stored: StoredKey, fallback encoder: JSONEncoder) throws -> Data {
        try encode(stored) ?? encoder.encode(stored)
    }

    /// The document of `stored`, or nil when a version has tags or encryption, or a date JSON
    /// cannot hold (which `JSONEncoder` then refuses).
    static func encode(_ stored: StoredKey) -> Data? {
        encodeWithoutInlineBytes(stored)?.document
    }

    /// The document of `stored` and the one of ``StoredKey/withoutInlineBytes`` (the same bytes but
    /// for the `inlineBytes` field, cut out rather than written twice); nil as for ``encode(_:)``.
    static func encodeWithoutInlineBytes(_ stored: StoredKey) -> (document: Data, withoutInlineBytes: Data)? {
        guard stored.versions.allSatisfy({ $0.tags == nil && $0.encryption == nil && $0.lastModified.timeIntervalSince1970.isFinite })
        else { return nil }
        var writer = KeyDocumentWriter()
        writer.bytes.reserveCapacity(480 * stored.versions.count + stored.inlineBytes.values.reduce(0) { $0 + ($1.count + 2) / 3 * 4 + 100 })
        var newest = stored.newest
        newest.formatVersion = stored.requiredFormat
        writer.object(newest, noncurrent: stored.versions.dropFirst(), inlineBytes: stored.inlineBytes)
        let document = Data(writer.bytes)
        guard let inline = writer.inlineBytesField else { return (document, document) }
        var lean = Data(capacity: writer.bytes.count - inline.count)
        lean.append(contentsOf: writer.bytes[..<inline.lowerBound])
        lean.append(contentsOf: writer.bytes[inline.upperBound...])
        return (document, lean)
    }

    /// Where the `inlineBytes` field, its leading comma included, was written.
    private var inlineBytesField: Range<Int>?

    /// One version's fields in `JSONEncoder`'s sorted order; `inlineBytes` and `noncurrent` (the
    /// newest version's only) fall between `inline` and `key`, and `metadata` and `size`.
    private mutating func object(_ object: StoredObject, noncurrent: ArraySlice<StoredObject>, inlineBytes: [String: Data] = [:]) {
        append("{\"acl\":")
        acl(object.acl)
        append(",\"checksums\":")
        dictionary(object.checksums)
        append(",\"contentHeaders\":")
        dictionary(object.contentHeaders)
        if let contentType = object.contentType {
            append(",\"contentType\":")
            string(contentType)
        }
        if let deleteMarker = object.deleteMarker {
            append(deleteMarker ? ",\"deleteMarker\":true" : ",\"deleteMarker\":false")
        }
        append(",\"etag\":")
        string(object.etag)
        append(",\"formatVersion\":")
        append(String(object.formatVersion.rawValue))
        if let inline = object.inline {
            append(inline ? ",\"inline\":true" : ",\"inline\":false")
        }
        if !inlineBytes.isEmpty {
            let start = bytes.count
            defer { inlineBytesField = start..<bytes.count }
            append(",\"inlineBytes\":")
            dictionary(inlineBytes) { $0.base64String($1) }
        }
        append(",\"key\":")
        string(object.key)
        append(",\"lastModified\":")
        date(object.lastModified)
        append(",\"metadata\":")
        dictionary(object.metadata)
        if !noncurrent.isEmpty {
            append(",\"noncurrent\":[")
            for (index, version) in noncurrent.enumerated() {
                if index > 0 { append(",") }
                self.object(version, noncurrent: [])
            }
            append("]")
        }
        append(",\"size\":")
        append(String(object.size))
        append(",\"version\":")
        string(object.version)
        if let versionID = object.versionID {
            append(",\"versionID\":")
            string(versionID)
        }
        append("}")
    }

    /// As ``StoredACL``'s `encode(to:)`: the two ownerless canned ACLs by name.
    private mutating func acl(_ acl: StoredACL) {
        if acl == .private || acl == .publicRead {
            string(acl == .private ? "private" : "public-read")
            return
        }
        append("{\"grants\":[")
        for (index, grant) in acl.grants.enumerated() {
            if index > 0 { append(",") }
            switch grant.grantee {
            case .user(let id):
                append("{\"id\":")
                string(id)
            case .group(let group):
                append("{\"group\":")
                string(group.rawValue)
            }
            append(",\"permission\":")
            string(grant.permission.rawValue)
            append("}")
        }
        append("]")
        if let owner = acl.owner {
            append(",\"owner\":")
            string(owner)
        }
        append("}")
    }

    private mutating func dictionary(_ values: [String: String]) {
        dictionary(values) { $0.string($1) }
    }

    /// A JSON object of `values` by name in `JSONEncoder`'s sorted order, each value written by `write`.
    private mutating func dictionary<Value>(_ values: [String: Value], _ write: (inout KeyDocumentWriter, Value) -> Void) {
        append("{")
        for (index, (name, value)) in values.sorted(by: { Self.sortedKeyOrder($0.key, $1.key) }).enumerated() {
            if index > 0 { append(",") }
            string(name)
            append(":")
            write(&self, value)
        }
        append("}")
    }

    /// `JSONEncoder`'s `.sortedKeys` order: by UTF-8 bytes (digits and capitals included, as the
    /// test found).
    private static func sortedKeyOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `.millisecondsSince1970`: a Double, printed as the shortest text that reads back as it,
    /// without a trailing `.0`.
    private mutating func date(_ date: Date) {
        let milliseconds = 1000.0 * date.timeIntervalSince1970
        var text = milliseconds.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        append(text)
    }

    /// A JSON string as `JSONEncoder` escapes it: quotes, backslashes and slashes escaped,
    /// control characters as short escapes or `\u00XX`, everything else as its UTF-8.
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case UInt8(ascii: "/"): append("\\/")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0..<0x20:
                append("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `bytes` as `JSONEncoder` writes `Data`: a string of standard, padded base64, whose slashes
    /// it escapes. Encoded here in one pass: through ``string(_:)`` a byte at a time, the base64
    /// of a 4 KiB inline object was an eighth of the server's CPU under small PUTs.
    private mutating func base64String(_ data: Data) {
        let count = data.count
        // Every character escaped at worst, and the quotes.
        let capacity = (count + 2) / 3 * 8 + 2
        let encoded = [UInt8](unsafeUninitializedCapacity: capacity) { output, initialized in
            var out = 0
            func put(_ sextet: UInt32) {
                let character = Self.base64Digits[Int(sextet & 0x3F)]
                if character == UInt8(ascii: "/") {
                    output[out] = UInt8(ascii: "\\")
                    out += 1
                }
                output[out] = character
                out += 1
            }
            output[out] = UInt8(ascii: "\"")
            out += 1
            data.withUnsafeBytes { input in
                var index = 0
                while index + 3 <= count {
                    let word = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    put(word >> 18)
                    put(word >> 12)
                    put(word >> 6)
                    put(word)
                    index += 3
                }
                let rest = count - index
                if rest > 0 {
                    let word = UInt32(input[index]) << 16 | (rest == 2 ? UInt32(input[index + 1]) << 8 : 0)
                    put(word >> 18)
                    put(word >> 12)
                    if rest == 2 {
                        put(word >> 6)
                    } else {
                        output[out] = UInt8(ascii: "=")
                        out += 1
                    }
                    output[out] = UInt8(ascii: "=")
                    out += 1
                }
            }
            output[out] = UInt8(ascii: "\"")
            out += 1
            initialized = out
        }
        bytes.append(contentsOf: encoded)
    }

    private static let base64Digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}
