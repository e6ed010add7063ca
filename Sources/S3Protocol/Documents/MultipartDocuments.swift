public import Foundation

/// The body of CreateMultipartUpload (`POST /bucket/key?uploads`).
public struct InitiateMultipartUploadResult: S3Document {
    public static let rootName = "InitiateMultipartUploadResult"
    public var bucket: String
    public var key: String
    public var uploadID: String

    public init(bucket: String, key: String, uploadID: String) {
        self.bucket = bucket
        self.key = key
        self.uploadID = uploadID
    }

    public init(xml: XML.Element) throws(DocumentError) {
        bucket = try xml.required("Bucket")
        key = try xml.required("Key")
        uploadID = try xml.required("UploadId")
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Bucket", bucket)
        root.add("Key", key)
        root.add("UploadId", uploadID)
        return root
    }
}

/// One part of a multipart upload as Complete names it.
public struct CompletedPart: Sendable, Hashable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

/// The request body of CompleteMultipartUpload.
public struct CompleteMultipartUpload: S3Document {
    public static let rootName = "CompleteMultipartUpload"
    public var parts: [CompletedPart]

    public init(parts: [CompletedPart]) {
        self.parts = parts
    }

    public init(xml: XML.Element) throws(DocumentError) {
        var parts: [CompletedPart] = []
        for element in xml.children("Part") {
            guard let number = try element.int("PartNumber") else {
                throw DocumentError(message: "<Part> lacks <PartNumber>")
            }
            parts.append(CompletedPart(partNumber: number, etag: try element.required("ETag")))
        }
        self.parts = parts
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        for part in parts {
            var element = XML.Element("Part")
            element.add("PartNumber", part.partNumber)
            element.add("ETag", part.etag)
            root.children.append(element)
        }
        return root
    }
}

/// The body of a successful CompleteMultipartUpload.
public struct CompleteMultipartUploadResult: S3Document {
    public static let rootName = "CompleteMultipartUploadResult"
    public var location: String?
    public var bucket: String
    public var key: String
    public var etag: String

    public init(location: String?, bucket: String, key: String, etag: String) {
        self.location = location
        self.bucket = bucket
        self.key = key
        self.etag = etag
    }

    public init(xml: XML.Element) throws(DocumentError) {
        location = xml.string("Location")
        bucket = try xml.required("Bucket")
        key = try xml.required("Key")
        etag = try xml.required("ETag")
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Location", location)
        root.add("Bucket", bucket)
        root.add("Key", key)
        root.add("ETag", etag)
        return root
    }
}

/// The body of ListParts.
public struct ListPartsResult: S3Document {
    public static let rootName = "ListPartsResult"

    public struct Part: Sendable, Hashable {
        public var partNumber: Int
        public var lastModified: Date?
        public var etag: String
        public var size: Int64

        public init(partNumber: Int, lastModified: Date?, etag: String, size: Int64) {
            self.partNumber = partNumber
            self.lastModified = lastModified
            self.etag = etag
            self.size = size
        }
    }

    public var bucket: String
    public var key: String
    public var uploadID: String
    public var partNumberMarker: Int?
    public var nextPartNumberMarker: Int?
    public var maxParts: Int?
    public var isTruncated: Bool
    public var parts: [Part]

    public init(
        bucket: String, key: String, uploadID: String, partNumberMarker: Int? = nil, nextPartNumberMarker: Int? = nil,
        maxParts: Int? = nil, isTruncated: Bool = false, parts: [Part] = []
    ) {
        self.bucket = bucket
        self.key = key
        self.uploadID = uploadID
        self.partNumberMarker = partNumberMarker
        self.nextPartNumberMarker = nextPartNumberMarker
        self.maxParts = maxParts
        self.isTruncated = isTruncated
        self.parts = parts
    }

    public init(xml: XML.Element) throws(DocumentError) {
        bucket = try xml.required("Bucket")
        key = try xml.required("Key")
        uploadID = try xml.required("UploadId")
        partNumberMarker = try xml.int("PartNumberMarker", in: 0...S3Limits.partNumbers.upperBound)
        nextPartNumberMarker = try xml.int("NextPartNumberMarker", in: 0...S3Limits.partNumbers.upperBound)
        maxParts = try xml.int("MaxParts", in: S3Limits.counts)
        isTruncated = xml.bool("IsTruncated")
        var parts: [Part] = []
        for element in xml.children("Part") {
            guard let number = try element.int("PartNumber", in: S3Limits.partNumbers), let size = try element.size("Size") else {
                throw DocumentError(message: "<Part> lacks <PartNumber> or <Size>")
            }
            parts.append(
                Part(
                    partNumber: number, lastModified: try element.date("LastModified"),
                    etag: try element.required("ETag"), size: size))
        }
        self.parts = parts
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Bucket", bucket)
        root.add("Key", key)
        root.add("UploadId", uploadID)
        root.add("PartNumberMarker", partNumberMarker)
        root.add("NextPartNumberMarker", nextPartNumberMarker)
        root.add("MaxParts", maxParts)
        root.add("IsTruncated", isTruncated)
        for part in parts {
            var element = XML.Element("Part")
            element.add("PartNumber", part.partNumber)
            element.add("LastModified", part.lastModified)
            element.add("ETag", part.etag)
            element.add("Size", String(part.size))
            root.children.append(element)
        }
        return root
    }
}

/// The body of ListMultipartUploads (`GET /bucket?uploads`).
public struct ListMultipartUploadsResult: S3Document {
    public static let rootName = "ListMultipartUploadsResult"

    public struct Upload: Sendable, Hashable {
        public var key: String
        public var uploadID: String
        public var initiated: Date?

        public init(key: String, uploadID: String, initiated: Date?) {
            self.key = key
            self.uploadID = uploadID
            self.initiated = initiated
        }
    }

    public var bucket: String
    public var keyMarker: String?
    public var uploadIDMarker: String?
    public var nextKeyMarker: String?
    public var nextUploadIDMarker: String?
    public var prefix: String?
    public var delimiter: String?
    public var maxUploads: Int?
    public var isTruncated: Bool
    public var uploads: [Upload]
    public var commonPrefixes: [String]

    public init(
        bucket: String, keyMarker: String? = nil, uploadIDMarker: String? = nil, nextKeyMarker: String? = nil,
        nextUploadIDMarker: String? = nil, prefix: String? = nil, delimiter: String? = nil, maxUploads: Int? = nil,
        isTruncated: Bool = false, uploads: [Upload] = [], commonPrefixes: [String] = []
    ) {
        self.bucket = bucket
        self.keyMarker = keyMarker
        self.uploadIDMarker = uploadIDMarker
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIDMarker = nextUploadIDMarker
        self.prefix = prefix
        self.delimiter = delimiter
        self.maxUploads = maxUploads
        self.isTruncated = isTruncated
        self.uploads = uploads
        self.commonPrefixes = commonPrefixes
    }

    public init(xml: XML.Element) throws(DocumentError) {
        bucket = try xml.required("Bucket")
        keyMarker = xml.string("KeyMarker")
        uploadIDMarker = xml.string("UploadIdMarker")
        nextKeyMarker = xml.string("NextKeyMarker")
        nextUploadIDMarker = xml.string("NextUploadIdMarker")
        prefix = xml.string("Prefix")
        delimiter = xml.string("Delimiter")
        maxUploads = try xml.int("MaxUploads", in: S3Limits.counts)
        isTruncated = xml.bool("IsTruncated")
        var uploads: [Upload] = []
        for element in xml.children("Upload") {
            uploads.append(
                Upload(
                    key: try element.required("Key"), uploadID: try element.required("UploadId"),
                    initiated: try element.date("Initiated")))
        }
        self.uploads = uploads
        commonPrefixes = xml.commonPrefixes()
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Bucket", bucket)
        root.add("KeyMarker", keyMarker ?? "")
        root.add("UploadIdMarker", uploadIDMarker ?? "")
        root.add("NextKeyMarker", nextKeyMarker)
        root.add("NextUploadIdMarker", nextUploadIDMarker)
        root.add("Prefix", prefix)
        root.add("Delimiter", delimiter)
        root.add("MaxUploads", maxUploads)
        root.add("IsTruncated", isTruncated)
        for upload in uploads {
            var element = XML.Element("Upload")
            element.add("Key", upload.key)
            element.add("UploadId", upload.uploadID)
            element.add("Initiated", upload.initiated)
            root.children.append(element)
        }
        root.add(commonPrefixes: commonPrefixes)
        return root
    }
}
