/// One tag of an object or a bucket, kept in the order it was given, as S3 answers it.
struct StoredTag: Codable, Sendable, Hashable {
    var key: String
    var value: String
}
