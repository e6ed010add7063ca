public import Foundation
import NIOCore
public import S3Protocol

/// A bucket on a connection: the counterpart of `mssapi`'s `Bucket`. A plain value: making one
/// sends nothing; its methods do.
public struct Bucket: Sendable {
    public let name: String
    public let connection: S3Connection

    /// A handle on `name` without checking that it exists (`validate=False` in `mssapi`).
    public init(connection: S3Connection, name: String) {
        self.connection = connection
        self.name = name
    }

    /// A key handle in this bucket; nothing is sent (`new_key`).
    public func newKey(_ name: String) -> Key {
        Key(bucket: self, name: name)
    }

    /// The key with its HEAD information, or nil when there is no such object (`get_key`).
    public func key(_ name: String) async throws -> Key? {
        var key = Key(bucket: self, name: name)
        guard let info = try await key.info() else { return nil }
        key.info = info
        return key
    }

    /// The same as ``key(_:)`` (`lookup`).
    public func lookup(_ name: String) async throws -> Key? {
        try await key(name)
    }

    /// Whether an object called `name` exists (`name in bucket`).
    public func contains(key name: String) async throws -> Bool {
        try await Key(bucket: self, name: name).info() != nil
    }

    /// Deletes the object `name`. Deleting a missing object succeeds, as in S3 (`delete_key`).
    public func deleteKey(_ name: String) async throws {
        try await Key(bucket: self, name: name).delete()
    }

    /// Deletes many objects with batched multi-object deletes (1,000 keys a request).
    /// Returns the keys that could not be deleted with the server's reason.
    @discardableResult
    public func deleteKeys(_ names: [String]) async throws -> [DeleteResult.Failure] {
        for name in names { try Key.validate(name) }
        var failures: [DeleteResult.Failure] = []
        var start = names.startIndex
        while start < names.endIndex {
            let end = min(start + 1000, names.endIndex)
            let document = DeleteRequest(keys: Array(names[start..<end]), quiet: true)
            let body = Array(document.xml().serialized().utf8)
            var request = S3Request(method: "POST", bucket: name, query: [QueryItem("delete")])
            request.headers.add("Content-Type", "application/xml")
            request.headers.add("Content-MD5", Digests.md5Base64(body))
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await connection.send(request)
            failures += try DeleteResult(bytes: response.bodyBytes).errors
            start = end
        }
        return failures
    }

    /// Deletes this bucket, which must be empty.
    public func delete() async throws {
        try await connection.deleteBucket(name)
    }

    /// Sets the bucket's canned ACL.
    public func setACL(_ acl: CannedACL) async throws {
        var request = S3Request(method: "PUT", bucket: name, query: [QueryItem("acl")])
        request.headers.add("x-amz-acl", acl.rawValue)
        _ = try await connection.send(request)
    }

    /// A presigned URL for the bucket itself (GET lists it, HEAD checks it).
    public func generateURL(expiresIn seconds: TimeInterval, method: PresignMethod = .get) throws -> URL {
        try connection.presignedURL(method: method, bucket: name, key: nil, expiry: .after(seconds))
    }

    /// Checks a bucket name that is only used, not created: S3's legacy rules allow more than
    /// creation does, so only what can never be valid in a path is refused.
    static func validateExisting(_ name: String) throws {
        if name.isEmpty || name.utf8.count > 255 || name.contains("/") {
            throw MSSClientError.invalidArgument("'\(name)' is not a bucket name")
        }
    }
}

extension Bucket: Hashable {
    public static func == (lhs: Bucket, rhs: Bucket) -> Bool {
        lhs.name == rhs.name && lhs.connection === rhs.connection
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(ObjectIdentifier(connection))
    }
}
