/// The body of GetBucketAcl and GetObjectAcl, and the optional body of PutBucketAcl and
/// PutObjectAcl: an owner and the grants that say who may do what.
public struct AccessControlPolicy: S3Document {
    public static let rootName = "AccessControlPolicy"

    /// What a grant allows; the raw values are S3's spelling.
    public enum Permission: String, Sendable, Hashable, CaseIterable {
        case fullControl = "FULL_CONTROL"
        case read = "READ"
        case write = "WRITE"
        case readACP = "READ_ACP"
        case writeACP = "WRITE_ACP"
    }

    /// Who a grant is for. The XML names the kind in an `xsi:type` attribute.
    public enum Grantee: Sendable, Hashable {
        /// A user by canonical ID; S3 fills in the display name when it answers.
        case canonicalUser(id: String, displayName: String?)
        /// A predefined group by URI, such as ``Group/allUsers``.
        case group(uri: String)
        /// A user by e-mail address; only some AWS regions resolve it.
        case email(String)
    }

    /// The URIs of S3's predefined groups.
    public enum Group {
        public static let allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
        public static let authenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
        public static let logDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery"
    }

    public struct Grant: Sendable, Hashable {
        public var grantee: Grantee
        public var permission: Permission

        public init(grantee: Grantee, permission: Permission) {
            self.grantee = grantee
            self.permission = permission
        }
    }

    /// Required by S3 in a PutXxxAcl body; optional here so a document without one can be
    /// decoded and refused with the right error by whoever receives it.
    public var owner: Owner?
    public var grants: [Grant]

    public init(owner: Owner?, grants: [Grant]) {
        self.owner = owner
        self.grants = grants
    }

    /// The XML Schema instance namespace, which `xsi:type` belongs to.
    public static let schemaInstanceNamespace = "http://www.w3.org/2001/XMLSchema-instance"

    public init(xml: XML.Element) throws(DocumentError) {
        if let element = xml.child("Owner") {
            guard let owner = Owner(xml: element) else { throw DocumentError(message: "<Owner> lacks <ID>") }
            self.owner = owner
        } else {
            owner = nil
        }
        var grants: [Grant] = []
        // A policy without <AccessControlList> grants nothing, which S3 accepts.
        for element in xml.child("AccessControlList")?.children ?? [] {
            guard element.name == "Grant" else { throw DocumentError(message: "unexpected <\(element.name)> in <AccessControlList>") }
            grants.append(try Grant(xml: element))
        }
        self.grants = grants
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        if let owner { root.children.append(owner.xml()) }
        var list = XML.Element("AccessControlList")
        for grant in grants { list.children.append(grant.xml()) }
        root.children.append(list)
        return root
    }
}

extension AccessControlPolicy.Grant {
    init(xml: XML.Element) throws(DocumentError) {
        guard let granteeElement = xml.child("Grantee") else { throw DocumentError(message: "<Grant> lacks <Grantee>") }
        let text = try xml.required("Permission").trimmingXMLWhitespace()
        guard let permission = AccessControlPolicy.Permission(rawValue: text) else {
            throw DocumentError(message: "<Permission> is not one of S3's permissions: \(text.prefix(40))")
        }
        self.init(grantee: try AccessControlPolicy.Grantee(xml: granteeElement), permission: permission)
    }

    func xml() -> XML.Element {
        var element = XML.Element("Grant")
        element.children.append(grantee.xml())
        element.add("Permission", permission.rawValue)
        return element
    }
}

extension AccessControlPolicy.Grantee {
    /// The `xsi:type` value that names this kind of grantee.
    public var typeName: String {
        switch self {
        case .canonicalUser: "CanonicalUser"
        case .group: "Group"
        case .email: "AmazonCustomerByEmail"
        }
    }

    init(xml: XML.Element) throws(DocumentError) {
        guard let type = Self.schemaType(of: xml) else { throw DocumentError(message: "<Grantee> lacks an xsi:type attribute") }
        switch type {
        case "CanonicalUser":
            let id = try xml.required("ID").trimmingXMLWhitespace()
            self = .canonicalUser(id: id, displayName: xml.string("DisplayName"))
        case "Group":
            self = .group(uri: try xml.required("URI").trimmingXMLWhitespace())
        case "AmazonCustomerByEmail":
            self = .email(try xml.required("EmailAddress").trimmingXMLWhitespace())
        default:
            throw DocumentError(message: "<Grantee> has an unknown xsi:type: \(type.prefix(40))")
        }
    }

    /// The value of the attribute whose local name is `type` in the XML Schema instance
    /// namespace. The parser keeps prefixed names as written, so the prefix is resolved here
    /// from the element's own `xmlns:` declarations (where every S3 client puts it); `xsi:` is
    /// also taken undeclared, as lenient servers do.
    static func schemaType(of element: XML.Element) -> String? {
        for (name, value) in element.attributes {
            guard let colon = name.firstIndex(of: ":"), name[name.index(after: colon)...] == "type" else { continue }
            let prefix = String(name[..<colon])
            let declared = element.attributes["xmlns:" + prefix]
            if declared == AccessControlPolicy.schemaInstanceNamespace || (declared == nil && prefix == "xsi") {
                return value.trimmingXMLWhitespace()
            }
        }
        return nil
    }

    func xml() -> XML.Element {
        var element = XML.Element(
            "Grantee", attributes: ["xmlns:xsi": AccessControlPolicy.schemaInstanceNamespace, "xsi:type": typeName])
        switch self {
        case .canonicalUser(let id, let displayName):
            element.add("ID", id)
            element.add("DisplayName", displayName)
        case .group(let uri):
            element.add("URI", uri)
        case .email(let address):
            element.add("EmailAddress", address)
        }
        return element
    }
}
