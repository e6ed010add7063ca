import S3Protocol

/// What a copy does with the source's tags (`x-amz-tagging-directive`).
public enum TaggingDirective: Sendable, Hashable {
    /// The copy gets the source's tags.
    case copy
    /// The copy gets these tags instead (none when empty).
    case replace(TagSet)
}

extension Key {
    /// The tags of this object, or of its version `versionID` (GetObjectTagging); empty when it
    /// has none. A missing object throws ``S3Error`` 404 `NoSuchKey` (or `NoSuchVersion`).
    public func tags(versionID: String? = nil) async throws -> TagSet {
        let response = try await connection.send(try request("GET", query: [QueryItem("tagging")], versionID: versionID))
        // Ceph RGW answers an object that never had tags (one made by a multipart upload) with
        // an empty body rather than an empty TagSet.
        if response.bodyBytes.isEmpty { return TagSet() }
        return TagSet(try connection.decode(Tagging.self, from: response))
    }

    /// Replaces the tags of this object, or of its version `versionID` (PutObjectTagging). The
    /// object's bytes, ETag and Last-Modified stay. At most 10 tags; an empty set removes them.
    public func setTags(_ tags: TagSet, versionID: String? = nil) async throws {
        var request = try request("PUT", query: [QueryItem("tagging")], versionID: versionID)
        request.setDocument(tags.document)
        _ = try await connection.send(request)
    }

    /// Removes the tags of this object, or of its version `versionID` (DeleteObjectTagging).
    public func deleteTags(versionID: String? = nil) async throws {
        _ = try await connection.send(try request("DELETE", query: [QueryItem("tagging")], versionID: versionID))
    }
}
