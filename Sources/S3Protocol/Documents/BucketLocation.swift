/// The request body of CreateBucket with a region.
public struct CreateBucketConfiguration: S3Document {
    public static let rootName = "CreateBucketConfiguration"
    public var locationConstraint: String?

    public init(locationConstraint: String?) { self.locationConstraint = locationConstraint }

    public init(xml: XML.Element) throws(DocumentError) {
        locationConstraint = xml.string("LocationConstraint").flatMap { $0.isEmpty ? nil : $0 }
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("LocationConstraint", locationConstraint)
        return root
    }
}

/// The body of GetBucketLocation: the region, empty for us-east-1.
public struct LocationConstraint: S3Document {
    public static let rootName = "LocationConstraint"
    public var region: String?

    public init(region: String?) { self.region = region }

    public init(xml: XML.Element) throws(DocumentError) {
        region = xml.text.isEmpty ? nil : xml.text
    }

    public func xml() -> XML.Element {
        XML.Element(Self.rootName, text: region ?? "")
    }
}
