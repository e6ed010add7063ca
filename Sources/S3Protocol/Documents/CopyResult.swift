public import Foundation

/// What a server-side copy answers: the new ETag and modification time.
public struct CopyResult: Sendable, Hashable {
    public var etag: String
    public var lastModified: Date?

    public init(etag: String, lastModified: Date?) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// The two documents that carry a ``CopyResult``; they differ only in their root's name.
public protocol CopyResultDocument: S3Document {
    var result: CopyResult { get }
    init(result: CopyResult)
}

extension CopyResultDocument {
    public init(xml: XML.Element) throws(DocumentError) {
        self.init(result: CopyResult(etag: try xml.required("ETag"), lastModified: try xml.date("LastModified")))
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("LastModified", result.lastModified)
        root.add("ETag", result.etag)
        return root
    }
}

/// The body of CopyObject.
public struct CopyObjectResult: CopyResultDocument {
    public static let rootName = "CopyObjectResult"
    public var result: CopyResult
    public init(result: CopyResult) { self.result = result }
}

/// The body of UploadPartCopy.
public struct CopyPartResult: CopyResultDocument {
    public static let rootName = "CopyPartResult"
    public var result: CopyResult
    public init(result: CopyResult) { self.result = result }
}
