/// The request body of DeleteObjects (`POST /bucket?delete`).
public struct DeleteRequest: S3Document {
    public static let rootName = "Delete"

    /// One `<Object>`: a key, and the version to delete when the bucket is versioned.
    public struct Object: Sendable, Hashable {
        public var key: String
        /// nil deletes the current version (making a delete marker in a versioned bucket).
        public var versionID: String?

        public init(key: String, versionID: String? = nil) {
            self.key = key
            self.versionID = versionID
        }
    }

    public var objects: [Object]
    public var quiet: Bool

    /// The keys alone; setting them drops any version ids.
    public var keys: [String] {
        get { objects.map(\.key) }
        set { objects = newValue.map { Object(key: $0) } }
    }

    public init(keys: [String], quiet: Bool = false) {
        self.init(objects: keys.map { Object(key: $0) }, quiet: quiet)
    }

    public init(objects: [Object], quiet: Bool = false) {
        self.objects = objects
        self.quiet = quiet
    }

    public init(xml: XML.Element) throws(DocumentError) {
        var objects: [Object] = []
        for element in xml.children("Object") {
            objects.append(Object(key: try element.required("Key"), versionID: element.string("VersionId")))
        }
        self.objects = objects
        quiet = xml.bool("Quiet")
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        if quiet { root.add("Quiet", true) }
        for object in objects {
            var element = XML.Element("Object")
            element.add("Key", object.key)
            element.add("VersionId", object.versionID)
            root.children.append(element)
        }
        return root
    }
}

/// The body of a DeleteObjects response.
public struct DeleteResult: S3Document {
    public static let rootName = "DeleteResult"

    /// One `<Deleted>` entry.
    public struct Deleted: Sendable, Hashable {
        public var key: String
        /// The version deleted, when the request named one.
        public var versionID: String?
        /// True when the delete made a delete marker, or removed one.
        public var deleteMarker: Bool
        /// The version id of the delete marker made or removed.
        public var deleteMarkerVersionID: String?

        public init(key: String, versionID: String? = nil, deleteMarker: Bool = false, deleteMarkerVersionID: String? = nil) {
            self.key = key
            self.versionID = versionID
            self.deleteMarker = deleteMarker
            self.deleteMarkerVersionID = deleteMarkerVersionID
        }
    }

    public struct Failure: Sendable, Hashable {
        public var key: String
        public var versionID: String?
        public var code: String
        public var message: String?

        public init(key: String, code: String, message: String?) {
            self.init(key: key, versionID: nil, code: code, message: message)
        }

        public init(key: String, versionID: String?, code: String, message: String?) {
            self.key = key
            self.versionID = versionID
            self.code = code
            self.message = message
        }
    }

    public var deletedObjects: [Deleted]
    public var errors: [Failure]

    /// The deleted keys alone; setting them drops version details.
    public var deleted: [String] {
        get { deletedObjects.map(\.key) }
        set { deletedObjects = newValue.map { Deleted(key: $0) } }
    }

    public init(deleted: [String], errors: [Failure]) {
        self.init(deletedObjects: deleted.map { Deleted(key: $0) }, errors: errors)
    }

    public init(deletedObjects: [Deleted], errors: [Failure]) {
        self.deletedObjects = deletedObjects
        self.errors = errors
    }

    public init(xml: XML.Element) throws(DocumentError) {
        var deleted: [Deleted] = []
        for element in xml.children("Deleted") {
            deleted.append(
                Deleted(
                    key: try element.required("Key"), versionID: element.string("VersionId"),
                    deleteMarker: element.bool("DeleteMarker"), deleteMarkerVersionID: element.string("DeleteMarkerVersionId")))
        }
        deletedObjects = deleted
        var errors: [Failure] = []
        for element in xml.children("Error") {
            errors.append(
                Failure(
                    key: try element.required("Key"), versionID: element.string("VersionId"), code: try element.required("Code"),
                    message: element.string("Message")))
        }
        self.errors = errors
    }

    public func xml() -> XML.Element {
        var root = XML.Element(Self.rootName)
        for object in deletedObjects {
            var element = XML.Element("Deleted")
            element.add("Key", object.key)
            element.add("VersionId", object.versionID)
            if object.deleteMarker { element.add("DeleteMarker", true) }
            element.add("DeleteMarkerVersionId", object.deleteMarkerVersionID)
            root.children.append(element)
        }
        for failure in errors {
            var element = XML.Element("Error")
            element.add("Key", failure.key)
            element.add("VersionId", failure.versionID)
            element.add("Code", failure.code)
            element.add("Message", failure.message)
            root.children.append(element)
        }
        return root
    }
}
