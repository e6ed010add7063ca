/// The body of PutBucketVersioning and GetBucketVersioning (`/bucket?versioning`).
///
/// A bucket that was never versioned answers with an empty document: both fields are then nil,
/// which is a third state, not "Suspended".
public struct VersioningConfiguration: S3Document {
    public static let rootName = "VersioningConfiguration"

    /// The versioning state a bucket can be put in.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case enabled = "Enabled"
        case suspended = "Suspended"
    }

    /// Whether deleting versions needs multi-factor authentication.
    public enum MFADelete: String, Sendable, Hashable, CaseIterable {
        case enabled = "Enabled"
        case disabled = "Disabled"
    }

    /// nil for a bucket whose versioning was never configured.
    public var status: Status?
    /// nil unless MFA delete was ever configured on the bucket.
    public var mfaDelete: MFADelete?

    public init(status: Status?, mfaDelete: MFADelete? = nil) {
        self.status = status
        self.mfaDelete = mfaDelete
    }

    public init(xml: XML.Element) throws(DocumentError) {
        if let text = xml.string("Status")?.trimmingXMLWhitespace(), !text.isEmpty {
            guard let status = Status(rawValue: text) else {
                throw DocumentError(message: "<Status> is neither Enabled nor Suspended: \(text.prefix(40))")
            }
            self.status = status
        } else {
            status = nil
        }
        // The request syntax spells it MfaDelete; the data type reference spells it MFADelete.
        if let text = (xml.string("MfaDelete") ?? xml.string("MFADelete"))?.trimmingXMLWhitespace(), !text.isEmpty {
            guard let mfaDelete = MFADelete(rawValue: text) else {
                throw DocumentError(message: "<MfaDelete> is neither Enabled nor Disabled: \(text.prefix(40))")
            }
            self.mfaDelete = mfaDelete
        } else {
            mfaDelete = nil
        }
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Status", status?.rawValue)
        root.add("MfaDelete", mfaDelete?.rawValue)
        return root
    }
}
