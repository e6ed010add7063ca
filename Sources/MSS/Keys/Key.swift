public import Foundation
import S3Protocol
import NIOHTTP1

/// An object key in a bucket: the counterpart of `mssapi`'s `Key`.
///
/// Making a key sends nothing. ``info`` holds what the last HEAD said when the key came from
/// ``Bucket/key(_:)``.
///
/// ```swift
/// let k0 = bucket.newKey("key0")
/// try await k0.setContents("hello key0")
/// let text = try await k0.string()
/// ```
public struct Key: Sendable, Hashable {
    public let bucket: Bucket
    public let name: String
    /// Size, ETag, type and metadata as of the HEAD that produced this key; nil for new keys.
    public internal(set) var info: ObjectInfo?
    /// What the copy that produced this key answered (``copy(toBucket:key:metadata:acl:versionID:sourceConditions:conditions:encryption:sourceCustomerKey:tagging:)``):
    /// the new ETag and version id and the source version copied; nil for keys made otherwise.
    public internal(set) var copyResult: PutResult?

    /// `Key(bucket, 'key1')` in `mssapi`.
    public init(bucket: Bucket, name: String) {
        self.bucket = bucket
        self.name = name
        self.info = nil
        self.copyResult = nil
    }

    var connection: S3Connection { bucket.connection }

    /// A key is its bucket and name: `bucket.newKey("a") == bucket.key("a")` whatever each last
    /// learned about the object, so keys work as dictionary keys and set members.
    public static func == (a: Key, b: Key) -> Bool {
        a.bucket == b.bucket && a.name == b.name
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bucket)
        hasher.combine(name)
    }

    /// Refuses keys S3 cannot store, before anything is sent.
    static func validate(_ key: String) throws {
        if let problem = NameRules.keyProblem(key) { throw MSSClientError.invalidArgument(problem) }
    }

    func request(_ method: String, query: [QueryItem] = [], versionID: String? = nil) throws -> S3Request {
        try Self.validate(name)
        try Bucket.validateExisting(bucket.name)
        var query = query
        if let versionID {
            try Self.validate(versionID: versionID)
            query.append(QueryItem("versionId", versionID))
        }
        return S3Request(method: method, bucket: bucket.name, key: name, query: query)
    }

    /// An empty version id would address the current version instead of the one meant.
    static func validate(versionID: String) throws {
        if versionID.isEmpty { throw MSSClientError.invalidArgument("a version id must not be empty") }
    }

    /// A read request with its version and conditions.
    func readRequest(
        _ method: String, versionID: String?, conditions: ObjectConditions?, range: ByteRange? = nil, customerKey: CustomerKey? = nil
    ) throws -> S3Request {
        var request = try request(method, versionID: versionID)
        customerKey?.addHeaders(to: &request.headers)
        if let range { request.headers.add("Range", range.headerValue) }
        conditions?.apply(to: &request.headers)
        return request
    }

    /// HEAD: the object's size, ETag, type, dates and metadata, or nil when it does not exist.
    ///
    /// - Parameters:
    ///   - versionID: a version other than the current one.
    ///   - conditions: preconditions; a failed one throws ``S3Error`` 412 or 304.
    ///   - customerKey: the SSE-C key of an object stored with one (S3 answers 400 without it).
    public func info(versionID: String? = nil, conditions: ObjectConditions? = nil, customerKey: CustomerKey? = nil) async throws -> ObjectInfo? {
        do {
            let response = try await connection.send(
                try readRequest("HEAD", versionID: versionID, conditions: conditions, customerKey: customerKey))
            return try ObjectInfo(key: name, headers: response.headers)
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }

    /// Whether the object exists.
    public func exists() async throws -> Bool {
        try await info() != nil
    }

    /// Deletes the object; deleting a missing object succeeds, as in S3.
    ///
    /// In a versioned bucket, deleting without `versionID` keeps every version and makes a delete
    /// marker the current one; with `versionID` that version (or delete marker) is removed for good.
    @discardableResult
    public func delete(versionID: String? = nil) async throws -> DeleteOutcome {
        let response = try await connection.send(try request("DELETE", versionID: versionID))
        return DeleteOutcome(
            deleteMarker: response.headers.first(name: "x-amz-delete-marker")?.lowercased() == "true",
            versionID: response.headers.first(name: "x-amz-version-id"))
    }

    /// A presigned URL for this key (`generate_url`).
    ///
    /// - Parameters:
    ///   - seconds: validity from now (`expires_in`).
    ///   - method: what the URL may do.
    ///   - contentType: for a PUT URL, the `Content-Type` its user must send.
    ///   - responseOverrides: `response-content-type` and friends, for GET.
    public func generateURL(
        expiresIn seconds: TimeInterval, method: PresignMethod = .get, contentType: String? = nil,
        responseOverrides: [String: String] = [:]
    ) throws -> URL {
        try generateURL(
            expiry: .after(seconds), method: method, contentType: contentType, responseOverrides: responseOverrides)
    }

    /// A presigned URL valid until `expiry`.
    public func generateURL(
        expiry: Expiry, method: PresignMethod = .get, contentType: String? = nil,
        responseOverrides: [String: String] = [:]
    ) throws -> URL {
        let query = responseOverrides.sorted { $0.key < $1.key }.map { QueryItem($0.key, $0.value) }
        let headers = contentType.map { ["Content-Type": $0] } ?? [:]
        return try connection.presignedURL(
            method: method, bucket: bucket.name, key: name, expiry: expiry, query: query, headers: headers)
    }
}
