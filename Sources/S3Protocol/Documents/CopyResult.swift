import Foundation

/// The body of CopyObject (`CopyObjectResult`) and UploadPartCopy (`CopyPartResult`).
public struct CopyResult: Sendable, Hashable {
    public var etag: String
    public var lastModified: Date?

    public init(etag: String, lastModified: Date?) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

public struct CopyObjectResult: S3Document {
    public static let rootName = "CopyObjectResult"
    public var result: CopyResult

    public init(result: CopyResult) { self.result = result }

    public init(xml: XML.Element) throws(DocumentError) {
        result = CopyResult(etag: try xml.required("ETag"), lastModified: try xml.date("LastModified"))
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("LastModified", result.lastModified)
        root.add("ETag", result.etag)
        return root
    }
}

public struct CopyPartResult: S3Document {
    public static let rootName = "CopyPartResult"
    public var result: CopyResult

    public init(result: CopyResult) { self.result = result }

    public init(xml: XML.Element) throws(DocumentError) {
        result = CopyResult(etag: try xml.required("ETag"), lastModified: try xml.date("LastModified"))
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("LastModified", result.lastModified)
        root.add("ETag", result.etag)
        return root
    }
}
