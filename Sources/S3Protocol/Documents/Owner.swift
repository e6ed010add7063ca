/// The owner of a bucket or object as listings show it.
public struct Owner: Sendable, Hashable {
    public var id: String
    public var displayName: String?

    public init(id: String, displayName: String? = nil) {
        self.id = id
        self.displayName = displayName
    }

    init?(xml: XML.Element?) {
        guard let xml, let id = xml.string("ID") else { return nil }
        self.init(id: id, displayName: xml.string("DisplayName"))
    }

    func xml(_ name: String = "Owner") -> XML.Element {
        var element = XML.Element(name)
        element.add("ID", id)
        element.add("DisplayName", displayName)
        return element
    }
}
