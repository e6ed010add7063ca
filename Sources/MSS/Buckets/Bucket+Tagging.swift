import S3Protocol

extension Bucket {
    /// The bucket's tags (GetBucketTagging); empty when it has none.
    public func tags() async throws -> TagSet {
        try Bucket.validateExisting(name)
        do {
            let response = try await connection.send(S3Request(method: "GET", bucket: name, query: [QueryItem("tagging")]))
            return TagSet(try connection.decode(Tagging.self, from: response))
        } catch let error as S3Error where error.status == 404 && error.code.rawValue.hasPrefix("NoSuchTagSet") {
            // S3 says NoSuchTagSet; Ceph RGW NoSuchTagSetError.
            return TagSet()
        }
    }

    /// Replaces the bucket's tags (PutBucketTagging). At most 50; an empty set removes them.
    public func setTags(_ tags: TagSet) async throws {
        try Bucket.validateExisting(name)
        if tags.isEmpty { return try await deleteTags() }
        var request = S3Request(method: "PUT", bucket: name, query: [QueryItem("tagging")])
        request.setDocument(tags.document)
        _ = try await connection.send(request)
    }

    /// Removes the bucket's tags (DeleteBucketTagging); nothing happens when it has none.
    public func deleteTags() async throws {
        try Bucket.validateExisting(name)
        _ = try await connection.send(S3Request(method: "DELETE", bucket: name, query: [QueryItem("tagging")]))
    }
}
