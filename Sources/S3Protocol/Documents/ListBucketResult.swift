public import Foundation

/// The body of ListObjects (V1) and ListObjectsV2: one type, since they share all but the
/// paging fields.
public struct ListBucketResult: S3Document {
    public static let rootName = "ListBucketResult"

    public struct Object: Sendable, Hashable {
        public var key: String
        public var lastModified: Date?
        public var etag: String?
        public var size: Int64
        public var storageClass: String?
        public var owner: Owner?

        public init(
            key: String, lastModified: Date?, etag: String?, size: Int64, storageClass: String? = "STANDARD",
            owner: Owner? = nil
        ) {
            self.key = key
            self.lastModified = lastModified
            self.etag = etag
            self.size = size
            self.storageClass = storageClass
            self.owner = owner
        }
    }

    public var name: String
    public var prefix: String?
    public var delimiter: String?
    public var maxKeys: Int?
    public var isTruncated: Bool
    public var encodingType: String?
    public var contents: [Object]
    public var commonPrefixes: [String]
    // V1 paging
    public var marker: String?
    public var nextMarker: String?
    // V2 paging
    public var continuationToken: String?
    public var nextContinuationToken: String?
    public var startAfter: String?
    public var keyCount: Int?

    public init(
        name: String, prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil, isTruncated: Bool = false,
        encodingType: String? = nil, contents: [Object] = [], commonPrefixes: [String] = [], marker: String? = nil,
        nextMarker: String? = nil, continuationToken: String? = nil, nextContinuationToken: String? = nil,
        startAfter: String? = nil, keyCount: Int? = nil
    ) {
        self.name = name
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxKeys = maxKeys
        self.isTruncated = isTruncated
        self.encodingType = encodingType
        self.contents = contents
        self.commonPrefixes = commonPrefixes
        self.marker = marker
        self.nextMarker = nextMarker
        self.continuationToken = continuationToken
        self.nextContinuationToken = nextContinuationToken
        self.startAfter = startAfter
        self.keyCount = keyCount
    }

    public init(xml: XML.Element) throws(DocumentError) {
        name = try xml.required("Name")
        prefix = xml.string("Prefix")
        delimiter = xml.string("Delimiter")
        maxKeys = try xml.int("MaxKeys", in: S3Limits.counts)
        isTruncated = xml.bool("IsTruncated")
        encodingType = xml.string("EncodingType")
        marker = xml.string("Marker")
        nextMarker = xml.string("NextMarker")
        continuationToken = xml.string("ContinuationToken")
        nextContinuationToken = xml.string("NextContinuationToken")
        startAfter = xml.string("StartAfter")
        keyCount = try xml.int("KeyCount", in: S3Limits.counts)
        var contents: [Object] = []
        for element in xml.children("Contents") {
            guard let size = try element.size("Size") else {
                throw DocumentError(message: "<Contents> lacks a numeric <Size>")
            }
            contents.append(
                Object(
                    key: try element.required("Key"), lastModified: try element.date("LastModified"),
                    etag: element.string("ETag"), size: size, storageClass: element.string("StorageClass"),
                    owner: Owner(xml: element.child("Owner"))))
        }
        self.contents = contents
        commonPrefixes = xml.commonPrefixes()
    }

    /// Returns a copy with keys, prefixes and markers percent-decoded, for a listing requested
    /// with `encoding-type=url`.
    public func urlDecoded() throws(DocumentError) -> ListBucketResult {
        guard encodingType == "url" else { return self }
        func decode(_ value: String?) throws(DocumentError) -> String? {
            guard let value else { return nil }
            guard let decoded = URIEncoding.decodeListingValue(value) else {
                throw DocumentError(message: "listing value is not valid URL encoding: \(value)")
            }
            return decoded
        }
        var copy = self
        copy.prefix = try decode(prefix)
        copy.delimiter = try decode(delimiter)
        copy.marker = try decode(marker)
        copy.nextMarker = try decode(nextMarker)
        copy.startAfter = try decode(startAfter)
        for index in copy.contents.indices {
            copy.contents[index].key = try decode(copy.contents[index].key) ?? ""
        }
        var prefixes: [String] = []
        for prefix in commonPrefixes { prefixes.append(try decode(prefix) ?? "") }
        copy.commonPrefixes = prefixes
        copy.encodingType = nil
        return copy
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Name", name)
        root.add("Prefix", prefix ?? "")
        if keyCount != nil || continuationToken != nil || startAfter != nil {
            root.add("ContinuationToken", continuationToken)
            root.add("NextContinuationToken", nextContinuationToken)
            root.add("StartAfter", startAfter)
            root.add("KeyCount", keyCount)
        } else {
            root.add("Marker", marker ?? "")
            root.add("NextMarker", nextMarker)
        }
        root.add("MaxKeys", maxKeys)
        root.add("Delimiter", delimiter)
        root.add("EncodingType", encodingType)
        root.add("IsTruncated", isTruncated)
        for object in contents {
            var element = XML.Element("Contents")
            element.add("Key", object.key)
            element.add("LastModified", object.lastModified)
            element.add("ETag", object.etag)
            element.add("Size", String(object.size))
            if let owner = object.owner { element.children.append(owner.xml()) }
            element.add("StorageClass", object.storageClass)
            root.children.append(element)
        }
        root.add(commonPrefixes: commonPrefixes)
        return root
    }
}
