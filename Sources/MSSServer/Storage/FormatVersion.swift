/// The version of the on-disk layout a metadata document was written in.
///
/// Every document (object, bucket, upload, part) carries one, so that a server meeting a
/// document written by a newer server refuses to run instead of misreading or rewriting it.
/// Documents written before versions existed have no field and are version 1.
struct FormatVersion: Codable, Sendable, Hashable, Comparable {
    var rawValue: Int

    /// The newest this server understands.
    static let current = packs
    static let initial = FormatVersion(rawValue: 1)
    /// Documents with what a server from before versions and users would misread: version ids,
    /// delete markers, noncurrent versions (it would take their bytes for garbage), a bucket's
    /// versioning, ACLs with an owner and grants. Only those carry it, so a data directory
    /// without them stays readable by that server, and one with them is refused by it.
    static let versions = FormatVersion(rawValue: 2)
    /// Documents with what a server from before encryption, tags, CORS and lifecycle would
    /// misread or lose: encrypted objects, uploads and parts (it would serve their ciphertext as
    /// the object), objects and uploads with tags, buckets with tags, CORS or lifecycle rules
    /// (it would drop them the next time it rewrote the document). It must refuse the directory.
    static let governance = FormatVersion(rawValue: 3)
    /// Documents that hold a small object's bytes themselves (``StoredObject/isInline``): a
    /// server from before would find no data file and take the object for damaged.
    static let inline = FormatVersion(rawValue: 4)
    /// A bucket that keeps the documents of small keys in packs (``DocumentPacks``): a server
    /// from before would see none of those keys, and could delete the bucket as empty.
    static let packs = FormatVersion(rawValue: 5)

    init(rawValue: Int) {
        self.rawValue = rawValue
    }

    // A plain number in the JSON, so a human reading the file sees `"formatVersion":1`.
    init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    static func < (lhs: FormatVersion, rhs: FormatVersion) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

extension KeyedDecodingContainer {
    /// Chosen over the generic `decode` by the synthesised `init(from:)` of every document, so a
    /// document from before versions existed decodes as version 1 rather than failing.
    func decode(_ type: FormatVersion.Type, forKey key: Key) throws -> FormatVersion {
        try decodeIfPresent(FormatVersion.self, forKey: key) ?? .initial
    }
}

/// Only the version of a document: read before the document itself, so a newer layout is
/// recognised even when its other fields would not decode.
struct FormatVersionProbe: Decodable {
    var formatVersion: FormatVersion
}

/// A metadata file written by a newer server than this one.
public struct FutureFormatError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var version: Int

    public var description: String {
        "\(path) has format version \(version), but this mss-server understands only up to \(FormatVersion.current.rawValue); "
            + "use a newer mss-server for this data directory (nothing was changed)"
    }
}
