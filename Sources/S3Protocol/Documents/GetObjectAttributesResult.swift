/// The body of GetObjectAttributes (`GET /bucket/key?attributes`).
///
/// Every field is optional because the caller picks which ones the server returns with
/// `x-amz-object-attributes`.
public struct GetObjectAttributesResult: S3Document {
    public static let rootName = "GetObjectAttributesResponse"
    public static let alternativeRootNames: Set<String> = ["GetObjectAttributesResult", "GetObjectAttributesOutput"]

    /// The additional checksums of an object or part, base64 as S3 sends them.
    public struct Checksum: Sendable, Hashable {
        public var crc32: String?
        public var crc32c: String?
        public var crc64nvme: String?
        public var sha1: String?
        public var sha256: String?
        /// `FULL_OBJECT` or `COMPOSITE`.
        public var type: String?

        public init(
            crc32: String? = nil, crc32c: String? = nil, crc64nvme: String? = nil, sha1: String? = nil,
            sha256: String? = nil, type: String? = nil
        ) {
            self.crc32 = crc32
            self.crc32c = crc32c
            self.crc64nvme = crc64nvme
            self.sha1 = sha1
            self.sha256 = sha256
            self.type = type
        }

        init(xml: XML.Element) {
            self.init(
                crc32: xml.string("ChecksumCRC32"), crc32c: xml.string("ChecksumCRC32C"),
                crc64nvme: xml.string("ChecksumCRC64NVME"), sha1: xml.string("ChecksumSHA1"),
                sha256: xml.string("ChecksumSHA256"), type: xml.string("ChecksumType"))
        }

        func add(to element: inout XML.Element) {
            element.add("ChecksumCRC32", crc32)
            element.add("ChecksumCRC32C", crc32c)
            element.add("ChecksumCRC64NVME", crc64nvme)
            element.add("ChecksumSHA1", sha1)
            element.add("ChecksumSHA256", sha256)
            element.add("ChecksumType", type)
        }
    }

    /// One `<Part>` of `<ObjectParts>`.
    public struct Part: Sendable, Hashable {
        public var partNumber: Int
        public var size: Int64?
        public var checksum: Checksum

        public init(partNumber: Int, size: Int64?, checksum: Checksum = Checksum()) {
            self.partNumber = partNumber
            self.size = size
            self.checksum = checksum
        }
    }

    /// `<ObjectParts>`: the parts of an object uploaded in parts, paged like ListParts.
    public struct ObjectParts: Sendable, Hashable {
        public var totalPartsCount: Int?
        public var partNumberMarker: Int?
        public var nextPartNumberMarker: Int?
        public var maxParts: Int?
        public var isTruncated: Bool
        public var parts: [Part]

        public init(
            totalPartsCount: Int?, partNumberMarker: Int? = nil, nextPartNumberMarker: Int? = nil, maxParts: Int? = nil,
            isTruncated: Bool = false, parts: [Part] = []
        ) {
            self.totalPartsCount = totalPartsCount
            self.partNumberMarker = partNumberMarker
            self.nextPartNumberMarker = nextPartNumberMarker
            self.maxParts = maxParts
            self.isTruncated = isTruncated
            self.parts = parts
        }
    }

    public var etag: String?
    public var checksum: Checksum?
    public var objectParts: ObjectParts?
    public var storageClass: String?
    public var objectSize: Int64?

    public init(
        etag: String? = nil, checksum: Checksum? = nil, objectParts: ObjectParts? = nil, storageClass: String? = nil,
        objectSize: Int64? = nil
    ) {
        self.etag = etag
        self.checksum = checksum
        self.objectParts = objectParts
        self.storageClass = storageClass
        self.objectSize = objectSize
    }

    public init(xml: XML.Element) throws(DocumentError) {
        etag = xml.string("ETag")
        checksum = xml.child("Checksum").map(Checksum.init(xml:))
        storageClass = xml.string("StorageClass")
        objectSize = try xml.size("ObjectSize")
        guard let partsElement = xml.child("ObjectParts") else {
            objectParts = nil
            return
        }
        // Part-number markers may be 0 ("from the start"); counts are bounded like ListParts.
        let markers = 0...S3Limits.partNumbers.upperBound
        var parts: [Part] = []
        for element in partsElement.children("Part") {
            guard let number = try element.int("PartNumber", in: S3Limits.partNumbers) else {
                throw DocumentError(message: "<Part> lacks a <PartNumber>")
            }
            parts.append(Part(partNumber: number, size: try element.size("Size"), checksum: Checksum(xml: element)))
        }
        // The wire name is PartsCount; the API reference calls the member TotalPartsCount.
        var total = try partsElement.int("PartsCount", in: markers)
        if total == nil { total = try partsElement.int("TotalPartsCount", in: markers) }
        objectParts = ObjectParts(
            totalPartsCount: total, partNumberMarker: try partsElement.int("PartNumberMarker", in: markers),
            nextPartNumberMarker: try partsElement.int("NextPartNumberMarker", in: markers),
            maxParts: try partsElement.int("MaxParts", in: S3Limits.counts), isTruncated: partsElement.bool("IsTruncated"),
            parts: parts)
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("ETag", etag)
        if let checksum {
            var element = XML.Element("Checksum")
            checksum.add(to: &element)
            root.children.append(element)
        }
        if let objectParts {
            var element = XML.Element("ObjectParts")
            element.add("IsTruncated", objectParts.isTruncated)
            element.add("MaxParts", objectParts.maxParts)
            element.add("NextPartNumberMarker", objectParts.nextPartNumberMarker)
            element.add("PartNumberMarker", objectParts.partNumberMarker)
            for part in objectParts.parts {
                var partElement = XML.Element("Part")
                part.checksum.add(to: &partElement)
                partElement.add("PartNumber", part.partNumber)
                partElement.add("Size", part.size.map { String($0) })
                element.children.append(partElement)
            }
            element.add("PartsCount", objectParts.totalPartsCount)
            root.children.append(element)
        }
        root.add("StorageClass", storageClass)
        root.add("ObjectSize", objectSize.map { String($0) })
        return root
    }
}
