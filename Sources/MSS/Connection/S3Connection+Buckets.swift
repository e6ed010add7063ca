public import Foundation
import NIOCore
import S3Protocol

/// A bucket as ListBuckets shows it.
public struct BucketInfo: Sendable, Hashable {
    public var name: String
    public var creationDate: Date?

    public init(name: String, creationDate: Date?) {
        self.name = name
        self.creationDate = creationDate
    }
}

extension S3Connection {
    /// Creates a bucket and returns it (`create_bucket`). The name is checked against S3's rules
    /// before anything is sent.
    ///
    /// - Parameters:
    ///   - acl: a canned ACL for the bucket.
    ///   - location: a region constraint, for services that want one.
    @discardableResult
    public func createBucket(_ name: String, acl: CannedACL? = nil, location: String? = nil) async throws -> Bucket {
        if let problem = NameRules.bucketNameProblem(name) { throw MSSClientError.invalidArgument(problem) }
        var request = S3Request(method: "PUT", bucket: name)
        if let acl { request.headers.add("x-amz-acl", acl.rawValue) }
        if let location {
            let body = Array(CreateBucketConfiguration(locationConstraint: location).xml().serialized().utf8)
            request.headers.add("Content-Type", "application/xml")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        _ = try await send(request)
        return Bucket(connection: self, name: name)
    }

    /// Every bucket of the account (`get_all_buckets`), in the server's order.
    public func allBuckets() async throws -> [BucketInfo] {
        let response = try await send(S3Request(method: "GET"))
        let document = try decode(ListAllMyBucketsResult.self, from: response)
        return document.buckets.map { BucketInfo(name: $0.name, creationDate: $0.creationDate) }
    }

    /// The bucket `name` (`get_bucket`). With `validate`, a HEAD makes sure it exists first and
    /// a missing bucket throws ``S3Error`` `NoSuchBucket`.
    public func bucket(_ name: String, validate: Bool = true) async throws -> Bucket {
        if validate { try await headBucket(name) }
        try Bucket.validateExisting(name)
        return Bucket(connection: self, name: name)
    }

    /// The bucket, or nil when it does not exist (`lookup`).
    public func lookup(bucket name: String) async throws -> Bucket? {
        try await contains(bucket: name) ? Bucket(connection: self, name: name) : nil
    }

    /// Checks that the bucket exists and is reachable (`head_bucket`): throws ``S3Error``
    /// `NoSuchBucket` (404) or `AccessDenied` (403) otherwise.
    public func headBucket(_ name: String) async throws {
        try Bucket.validateExisting(name)
        _ = try await send(S3Request(method: "HEAD", bucket: name))
    }

    /// Whether the bucket exists (`'name' in conn`). A bucket owned by someone else exists too.
    public func contains(bucket name: String) async throws -> Bool {
        do {
            try await headBucket(name)
            return true
        } catch let error as S3Error where error.status == 404 {
            return false
        } catch let error as S3Error where error.status == 403 {
            return true
        }
    }

    /// Deletes an empty bucket (`delete_bucket`).
    public func deleteBucket(_ name: String) async throws {
        try Bucket.validateExisting(name)
        _ = try await send(S3Request(method: "DELETE", bucket: name))
    }

    /// Deletes `bucket` (`delete_bucket(b1)`).
    public func deleteBucket(_ bucket: Bucket) async throws {
        try await deleteBucket(bucket.name)
    }

    /// The bucket's region, nil for the default one.
    public func bucketLocation(_ name: String) async throws -> String? {
        try Bucket.validateExisting(name)
        let response = try await send(S3Request(method: "GET", bucket: name, query: [QueryItem("location")]))
        return try decode(LocationConstraint.self, from: response).region
    }

    func decode<D: S3Document>(_ type: D.Type, from response: S3Response) throws -> D {
        do {
            return try D(bytes: response.bodyBytes)
        } catch {
            throw MSSClientError(.invalidResponse, "cannot read the \(D.rootName) document: \(error)")
        }
    }
}
