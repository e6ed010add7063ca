/// The request body of DeleteObjects (`POST /bucket?delete`).
public struct DeleteRequest: S3Document {
    public static let rootName = "Delete"
    public var keys: [String]
    public var quiet: Bool

    public init(keys: [String], quiet: Bool = false) {
        self.keys = keys
        self.quiet = quiet
    }

    public init(xml: XML.Element) throws(DocumentError) {
        var keys: [String] = []
        for element in xml.children("Object") { keys.append(try element.required("Key")) }
        self.keys = keys
        quiet = xml.bool("Quiet")
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        if quiet { root.add("Quiet", true) }
        for key in keys {
            var element = XML.Element("Object")
            element.add("Key", key)
            root.children.append(element)
        }
        return root
    }
}

/// The body of a DeleteObjects response.
public struct DeleteResult: S3Document {
    public static let rootName = "DeleteResult"

    public struct Failure: Sendable, Hashable {
        public var key: String
        public var code: String
        public var message: String?

        public init(key: String, code: String, message: String?) {
            self.key = key
            self.code = code
            self.message = message
        }
    }

    public var deleted: [String]
    public var errors: [Failure]

    public init(deleted: [String], errors: [Failure]) {
        self.deleted = deleted
        self.errors = errors
    }

    public init(xml: XML.Element) throws(DocumentError) {
        var deleted: [String] = []
        for element in xml.children("Deleted") { deleted.append(try element.required("Key")) }
        self.deleted = deleted
        var errors: [Failure] = []
        for element in xml.children("Error") {
            errors.append(
                Failure(key: try element.required("Key"), code: try element.required("Code"), message: element.string("Message")))
        }
        self.errors = errors
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        for key in deleted {
            var element = XML.Element("Deleted")
            element.add("Key", key)
            root.children.append(element)
        }
        for failure in errors {
            var element = XML.Element("Error")
            element.add("Key", failure.key)
            element.add("Code", failure.code)
            element.add("Message", failure.message)
            root.children.append(element)
        }
        return root
    }
}
