import Foundation

/// One change the lifecycle worker makes, with the rule that asked for it. Each names the
/// version it was judged on, so the store can skip it if the key changed in the meantime.
enum LifecycleAction: Sendable, Hashable {
    /// The current version expires: removed in a bucket that never had versioning, hidden
    /// behind a new delete marker in one that has.
    case expireCurrent(key: String, version: String, rule: String)
    /// A noncurrent version (or noncurrent delete marker) is removed for good.
    case expireNoncurrent(key: String, versionID: String?, version: String, rule: String)
    /// A delete marker with no other version left is removed.
    case removeDeleteMarker(key: String, versionID: String?, version: String, rule: String)
    /// An incomplete multipart upload is aborted.
    case abortUpload(id: String, key: String, initiated: Date, rule: String)
}
