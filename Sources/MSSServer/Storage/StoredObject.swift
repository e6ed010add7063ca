import Foundation
import S3Protocol

/// What the server keeps about one object besides its bytes. Written next to the data as JSON;
/// the metadata file is the commit point of a write.
struct StoredObject: Codable, Sendable, Hashable {
    var key: String
    var size: Int64
    /// The ETag without quotes: hex MD5, or `md5-of-part-md5s-N` for multipart objects.
    var etag: String
    var lastModified: Date
    var contentType: String?
    /// `Cache-Control`, `Content-Disposition`, `Content-Encoding`, `Content-Language`, `Expires`
    /// as given on upload, by lower-case name.
    var contentHeaders: [String: String]
    /// User metadata, lower-case names without the `x-amz-meta-` prefix.
    var metadata: [String: String]
    /// The owner (the writer) and grants of this version.
    var acl: StoredACL
    /// Checksums sent with the upload (`crc32`, `crc32c`, `sha256`), base64, returned on request.
    var checksums: [String: String]
    /// Names the data file; a new one per write, so a reader of an older version is never mixed
    /// with a newer one.
    var version: String
    /// The S3 version id; nil is the `null` version, the only one a never-versioned bucket has
    /// and the one writes make while versioning is suspended.
    var versionID: String? = nil
    /// Present and true on a delete marker; absent in documents of ordinary versions.
    var deleteMarker: Bool? = nil
    /// The object's tags (`x-amz-tagging`, PutObjectTagging); nil when it has none.
    var tags: [StoredTag]? = nil
    /// How the bytes are encrypted at rest (SSE-S3, SSE-C); nil for objects stored in clear.
    var encryption: StoredEncryption? = nil
    /// Present and true when the bytes are kept in the key's document (``StoredKey/inlineBytes``)
    /// rather than in a data file: small objects, so that writing one creates one file, not two.
    var inline: Bool? = nil
    var formatVersion: FormatVersion = .initial

    /// A delete marker: a version without bytes that makes the key look deleted.
    var isDeleteMarker: Bool {
        get { deleteMarker ?? false }
        set { deleteMarker = newValue ? true : nil }
    }

    /// The bytes are in the key's document, not in a data file of their own.
    var isInline: Bool {
        get { inline ?? false }
        set { inline = newValue ? true : nil }
    }

    /// The version id as S3 shows it.
    var versionIDText: String { versionID ?? "null" }
}

/// What the server keeps about a bucket.
struct StoredBucket: Codable, Sendable, Hashable {
    var name: String
    var created: Date
    /// The owner (the creator) and grants of the bucket.
    var acl: StoredACL
    /// nil until versioning is first configured; a bucket never goes back to nil.
    var versioning: VersioningState? = nil
    /// The bucket's tags (PutBucketTagging); nil when it has none.
    var tags: [StoredTag]? = nil
    /// The bucket's CORS rules (PutBucketCors), in order; nil when it has none.
    var cors: [StoredCORSRule]? = nil
    /// The bucket's lifecycle rules (PutBucketLifecycleConfiguration), as validated; nil when
    /// it has none.
    var lifecycle: LifecycleConfiguration? = nil
    /// True when the bucket keeps the documents of small keys in packs (``DocumentPacks``), as
    /// buckets made by a server with a write-ahead log do; nil otherwise.
    var documentPacks: Bool? = nil
    var formatVersion: FormatVersion = .initial
}

extension StoredBucket {
    /// See ``FormatVersion/versions``, ``FormatVersion/governance`` and ``FormatVersion/packs``.
    var requiredFormat: FormatVersion {
        if documentPacks == true { return .packs }
        if tags != nil || cors != nil || lifecycle != nil { return .governance }
        return versioning == nil && acl.owner == nil ? .initial : .versions
    }
}

/// A bucket's versioning, once configured.
enum VersioningState: String, Codable, Sendable, Hashable {
    case enabled = "Enabled"
    case suspended = "Suspended"
}
