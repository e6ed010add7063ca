public import Foundation
import NIOHTTP1
public import S3Protocol

/// What HEAD (or GET) tells about an object.
public struct ObjectInfo: Sendable, Hashable {
    public var key: String
    /// The size of the whole object in bytes (not of a range that was read).
    public var size: Int64
    /// The ETag without quotes: the MD5 hex for single-part uploads.
    public var etag: String?
    public var contentType: String?
    public var lastModified: Date?
    /// User metadata (`x-amz-meta-*`), names lower-cased and without the prefix.
    public var metadata: [String: String]
    public var cacheControl: String?
    public var contentEncoding: String?
    public var contentDisposition: String?
    public var contentLanguage: String?
    public var expires: String?
    /// The version this is (`x-amz-version-id`): nil from servers or buckets without versioning,
    /// `null` for an object written before versioning was enabled.
    public var versionID: String?
    /// `AES256` for SSE-S3 (`aws:kms` on servers with KMS); nil when the server did not say.
    public var serverSideEncryption: String?
    /// The base64 MD5 of the SSE-C key the object is encrypted with; nil when it is not SSE-C.
    public var customerKeyMD5: String?
    /// How many tags the object has (`x-amz-tagging-count`); 0 when it has none or the server
    /// did not say. ``Key/tags(versionID:)`` reads them.
    public var tagCount: Int = 0

    public init(
        key: String, size: Int64, etag: String? = nil, contentType: String? = nil, lastModified: Date? = nil,
        metadata: [String: String] = [:], cacheControl: String? = nil, contentEncoding: String? = nil,
        contentDisposition: String? = nil, contentLanguage: String? = nil, expires: String? = nil,
        versionID: String? = nil
    ) {
        self.versionID = versionID
        self.key = key
        self.size = size
        self.etag = etag
        self.contentType = contentType
        self.lastModified = lastModified
        self.metadata = metadata
        self.cacheControl = cacheControl
        self.contentEncoding = contentEncoding
        self.contentDisposition = contentDisposition
        self.contentLanguage = contentLanguage
        self.expires = expires
    }

    /// What a HEAD or GET response says; a size that is not one (negative, past 5 TiB, a range
    /// that does not fit its total) throws ``MSSClientError`` `invalidResponse`.
    init(key: String, headers: HTTPHeaders) throws {
        var size = try ResponseNumbers.contentLength(headers) ?? 0
        // A ranged answer's Content-Range carries the full size: `bytes 0-9/1234`.
        if let total = try ResponseNumbers.contentRange(headers)?.total {
            size = total
        }
        var metadata: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower.hasPrefix("x-amz-meta-") { metadata[String(lower.dropFirst(11))] = value }
        }
        self.init(
            key: key, size: size, etag: headers.first(name: "ETag").map(Self.unquoted),
            contentType: headers.first(name: "Content-Type"),
            lastModified: headers.first(name: "Last-Modified").flatMap(HTTPDate.parseRFC1123), metadata: metadata,
            cacheControl: headers.first(name: "Cache-Control"), contentEncoding: headers.first(name: "Content-Encoding"),
            contentDisposition: headers.first(name: "Content-Disposition"),
            contentLanguage: headers.first(name: "Content-Language"), expires: headers.first(name: "Expires"),
            versionID: headers.first(name: "x-amz-version-id"))
        serverSideEncryption = headers.first(name: "x-amz-server-side-encryption")
        customerKeyMD5 = headers.first(name: "x-amz-server-side-encryption-customer-key-MD5")
        // Bounded: a count past any server's tag limit is not a count.
        if let count = headers.first(name: "x-amz-tagging-count").flatMap({ Int($0) }), (0...1000).contains(count) { tagCount = count }
    }

    static func unquoted(_ etag: String) -> String {
        etag.count >= 2 && etag.hasPrefix("\"") && etag.hasSuffix("\"") ? String(etag.dropFirst().dropLast()) : etag
    }
}

/// An object as a listing shows it.
public struct ObjectSummary: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// The ETag without quotes.
    public var etag: String?
    public var lastModified: Date?
    public var storageClass: String?
    /// The owner, when the listing was asked for it (ListObjectsV2 with `fetchOwner`; V1 always
    /// includes it on S3, not on every server).
    public var owner: Owner?

    public init(key: String, size: Int64, etag: String?, lastModified: Date?, storageClass: String?, owner: Owner? = nil) {
        self.owner = owner
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.storageClass = storageClass
    }
}
