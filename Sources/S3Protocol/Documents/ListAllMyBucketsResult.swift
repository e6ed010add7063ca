public import Foundation

/// The body of ListBuckets (`GET /`).
public struct ListAllMyBucketsResult: S3Document {
    public static let rootName = "ListAllMyBucketsResult"

    public struct Bucket: Sendable, Hashable {
        public var name: String
        public var creationDate: Date?

        public init(name: String, creationDate: Date?) {
            self.name = name
            self.creationDate = creationDate
        }
    }

    public var owner: Owner?
    public var buckets: [Bucket]

    public init(owner: Owner?, buckets: [Bucket]) {
        self.owner = owner
        self.buckets = buckets
    }

    public init(xml: XML.Element) throws(DocumentError) {
        owner = Owner(xml: xml.child("Owner"))
        var buckets: [Bucket] = []
        for element in xml.child("Buckets")?.children("Bucket") ?? [] {
            buckets.append(Bucket(name: try element.required("Name"), creationDate: try element.date("CreationDate")))
        }
        self.buckets = buckets
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        if let owner { root.children.append(owner.xml()) }
        var list = XML.Element("Buckets")
        for bucket in buckets {
            var element = XML.Element("Bucket")
            element.add("Name", bucket.name)
            element.add("CreationDate", bucket.creationDate)
            list.children.append(element)
        }
        root.children.append(list)
        return root
    }
}
