public import Foundation

/// The body of ListObjectVersions (`GET /bucket?versions`).
///
/// Versions and delete markers are one list in document order, because S3 sorts them together
/// (by key, then newest first) and a caller walking a key's history needs that order; splitting
/// them into two arrays, as some SDKs do, loses it.
public struct ListVersionsResult: S3Document {
    public static let rootName = "ListVersionsResult"

    /// One `<Version>` or `<DeleteMarker>` entry.
    public struct Entry: Sendable, Hashable {
        public var key: String
        /// `null` for an object written while the bucket was never versioned or suspended.
        public var versionID: String
        public var isLatest: Bool
        public var lastModified: Date?
        /// True for a `<DeleteMarker>`, which has no ETag, size or storage class.
        public var isDeleteMarker: Bool
        public var etag: String?
        public var size: Int64?
        public var storageClass: String?
        public var owner: Owner?

        public init(
            key: String, versionID: String, isLatest: Bool, lastModified: Date?, isDeleteMarker: Bool = false,
            etag: String? = nil, size: Int64? = nil, storageClass: String? = nil, owner: Owner? = nil
        ) {
            self.key = key
            self.versionID = versionID
            self.isLatest = isLatest
            self.lastModified = lastModified
            self.isDeleteMarker = isDeleteMarker
            self.etag = etag
            self.size = size
            self.storageClass = storageClass
            self.owner = owner
        }

        /// A `<Version>` entry.
        public static func version(
            key: String, versionID: String, isLatest: Bool, lastModified: Date?, etag: String?, size: Int64,
            storageClass: String? = "STANDARD", owner: Owner? = nil
        ) -> Entry {
            Entry(
                key: key, versionID: versionID, isLatest: isLatest, lastModified: lastModified, etag: etag, size: size,
                storageClass: storageClass, owner: owner)
        }

        /// A `<DeleteMarker>` entry.
        public static func deleteMarker(
            key: String, versionID: String, isLatest: Bool, lastModified: Date?, owner: Owner? = nil
        ) -> Entry {
            Entry(key: key, versionID: versionID, isLatest: isLatest, lastModified: lastModified, isDeleteMarker: true, owner: owner)
        }
    }

    public var name: String
    public var prefix: String?
    public var keyMarker: String?
    public var versionIDMarker: String?
    public var nextKeyMarker: String?
    public var nextVersionIDMarker: String?
    public var maxKeys: Int?
    public var delimiter: String?
    public var encodingType: String?
    public var isTruncated: Bool
    /// Versions and delete markers, in the order the document lists them.
    public var entries: [Entry]
    public var commonPrefixes: [String]

    public init(
        name: String, prefix: String? = nil, keyMarker: String? = nil, versionIDMarker: String? = nil,
        nextKeyMarker: String? = nil, nextVersionIDMarker: String? = nil, maxKeys: Int? = nil, delimiter: String? = nil,
        encodingType: String? = nil, isTruncated: Bool = false, entries: [Entry] = [], commonPrefixes: [String] = []
    ) {
        self.name = name
        self.prefix = prefix
        self.keyMarker = keyMarker
        self.versionIDMarker = versionIDMarker
        self.nextKeyMarker = nextKeyMarker
        self.nextVersionIDMarker = nextVersionIDMarker
        self.maxKeys = maxKeys
        self.delimiter = delimiter
        self.encodingType = encodingType
        self.isTruncated = isTruncated
        self.entries = entries
        self.commonPrefixes = commonPrefixes
    }

    /// The `<Version>` entries only.
    public var versions: [Entry] { entries.filter { !$0.isDeleteMarker } }
    /// The `<DeleteMarker>` entries only.
    public var deleteMarkers: [Entry] { entries.filter(\.isDeleteMarker) }

    public init(xml: XML.Element) throws(DocumentError) {
        name = try xml.required("Name")
        prefix = xml.string("Prefix")
        keyMarker = xml.string("KeyMarker")
        versionIDMarker = xml.string("VersionIdMarker")
        nextKeyMarker = xml.string("NextKeyMarker")
        nextVersionIDMarker = xml.string("NextVersionIdMarker")
        maxKeys = try xml.int("MaxKeys", in: S3Limits.counts)
        delimiter = xml.string("Delimiter")
        encodingType = xml.string("EncodingType")
        isTruncated = xml.bool("IsTruncated")
        var entries: [Entry] = []
        for element in xml.children where element.name == "Version" || element.name == "DeleteMarker" {
            let isDeleteMarker = element.name == "DeleteMarker"
            let size = try element.size("Size")
            if !isDeleteMarker && size == nil {
                throw DocumentError(message: "<Version> lacks a numeric <Size>")
            }
            entries.append(
                Entry(
                    key: try element.required("Key"), versionID: try element.required("VersionId"),
                    isLatest: element.bool("IsLatest"), lastModified: try element.date("LastModified"),
                    isDeleteMarker: isDeleteMarker, etag: element.string("ETag"), size: size,
                    storageClass: element.string("StorageClass"), owner: Owner(xml: element.child("Owner"))))
        }
        self.entries = entries
        commonPrefixes = xml.commonPrefixes()
    }

    /// Returns a copy with keys, prefixes and key markers percent-decoded, for a listing
    /// requested with `encoding-type=url`. Version ids are never encoded.
    public func urlDecoded() throws(DocumentError) -> ListVersionsResult {
        guard encodingType == "url" else { return self }
        var copy = self
        copy.prefix = try Self.decode(prefix)
        copy.delimiter = try Self.decode(delimiter)
        copy.keyMarker = try Self.decode(keyMarker)
        copy.nextKeyMarker = try Self.decode(nextKeyMarker)
        for index in copy.entries.indices {
            copy.entries[index].key = try Self.decode(copy.entries[index].key) ?? ""
        }
        var prefixes: [String] = []
        for prefix in commonPrefixes { prefixes.append(try Self.decode(prefix) ?? "") }
        copy.commonPrefixes = prefixes
        copy.encodingType = nil
        return copy
    }

    private static func decode(_ value: String?) throws(DocumentError) -> String? {
        guard let value else { return nil }
        guard let decoded = URIEncoding.decodeListingValue(value) else {
            throw DocumentError(message: "listing value is not valid URL encoding: \(value)")
        }
        return decoded
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Name", name)
        root.add("Prefix", prefix ?? "")
        root.add("KeyMarker", keyMarker ?? "")
        root.add("VersionIdMarker", versionIDMarker ?? "")
        root.add("NextKeyMarker", nextKeyMarker)
        root.add("NextVersionIdMarker", nextVersionIDMarker)
        root.add("MaxKeys", maxKeys)
        root.add("Delimiter", delimiter)
        root.add("EncodingType", encodingType)
        root.add("IsTruncated", isTruncated)
        for entry in entries {
            var element = XML.Element(entry.isDeleteMarker ? "DeleteMarker" : "Version")
            element.add("Key", entry.key)
            element.add("VersionId", entry.versionID)
            element.add("IsLatest", entry.isLatest)
            element.add("LastModified", entry.lastModified)
            element.add("ETag", entry.etag)
            element.add("Size", entry.size.map { String($0) })
            element.add("StorageClass", entry.storageClass)
            if let owner = entry.owner { element.children.append(owner.xml()) }
            root.children.append(element)
        }
        root.add(commonPrefixes: commonPrefixes)
        return root
    }
}
