/// S3's error body: `<Error><Code>…</Code><Message>…</Message>…</Error>`.
public struct ErrorDocument: S3Document {
    public static let rootName = "Error"

    public var code: String
    public var message: String?
    public var resource: String?
    public var requestID: String?
    public var hostID: String?
    /// Any other fields the server added (for example `StringToSign` on SignatureDoesNotMatch).
    public var details: [String: String]

    public init(
        code: String, message: String? = nil, resource: String? = nil, requestID: String? = nil,
        hostID: String? = nil, details: [String: String] = [:]
    ) {
        self.code = code
        self.message = message
        self.resource = resource
        self.requestID = requestID
        self.hostID = hostID
        self.details = details
    }

    public init(xml: XML.Element) throws(DocumentError) {
        code = try xml.required("Code")
        message = xml.string("Message")
        resource = xml.string("Resource")
        requestID = xml.string("RequestId")
        hostID = xml.string("HostId")
        let known: Set<String> = ["Code", "Message", "Resource", "RequestId", "HostId"]
        var details: [String: String] = [:]
        for child in xml.children where !known.contains(child.name) { details[child.name] = child.text }
        self.details = details
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        root.add("Code", code)
        root.add("Message", message)
        for (name, value) in details.sorted(by: { $0.key < $1.key }) { root.add(name, value) }
        root.add("Resource", resource)
        root.add("RequestId", requestID)
        root.add("HostId", hostID)
        return root
    }

    /// Error bodies carry no namespace.
    public func serialized() -> String { xml().serialized() }
}
