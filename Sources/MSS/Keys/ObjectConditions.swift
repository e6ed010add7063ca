public import Foundation
import S3Protocol

/// Preconditions on an object's current state, sent as `If-Match`, `If-None-Match`,
/// `If-Modified-Since` and `If-Unmodified-Since`.
///
/// On reads (GET, HEAD, and the copy source) all four apply. On writes (PUT, the destination of a
/// copy, completing a multipart upload) S3 takes only ``ifMatch`` and ``ifNoneMatch``, and
/// ``ifNoneMatch`` only as `*`; anything else is refused before sending.
///
/// A condition that does not hold fails the request with an ``S3Error``:
/// - `412` `preconditionFailed`: `If-Match` or `If-Unmodified-Since` failed, or a
///   create-only write found the key taken.
/// - `304` `notModified`: a read's `If-None-Match` or `If-Modified-Since` failed.
///
/// ```swift
/// // Create only: fail if someone else wrote the key first.
/// try await key.setContents("v1", options: PutOptions(conditions: .ifAbsent))
/// // Replace only the version we read.
/// try await key.setContents("v2", options: PutOptions(conditions: .ifMatch(info.etag!)))
/// ```
public struct ObjectConditions: Sendable, Hashable {
    /// The ETag (quoted or not) the object must have, or `*` for "exists".
    public var ifMatch: String?
    /// An ETag the object must not have, or `*` for "does not exist".
    public var ifNoneMatch: String?
    public var ifModifiedSince: Date?
    public var ifUnmodifiedSince: Date?

    public init(
        ifMatch: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: Date? = nil, ifUnmodifiedSince: Date? = nil
    ) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    /// Only if the object's ETag is `etag`.
    public static func ifMatch(_ etag: String) -> ObjectConditions { ObjectConditions(ifMatch: etag) }
    /// Only if the object's ETag is not `etag` (`*`: only if there is no object).
    public static func ifNoneMatch(_ etag: String) -> ObjectConditions { ObjectConditions(ifNoneMatch: etag) }
    /// Only if there is no object yet: a create-only write (`If-None-Match: *`).
    public static let ifAbsent = ObjectConditions(ifNoneMatch: "*")
    /// Only if the object changed after `date`.
    public static func ifModifiedSince(_ date: Date) -> ObjectConditions { ObjectConditions(ifModifiedSince: date) }
    /// Only if the object did not change after `date`.
    public static func ifUnmodifiedSince(_ date: Date) -> ObjectConditions { ObjectConditions(ifUnmodifiedSince: date) }

    /// The header values; `prefix` is `x-amz-copy-source-` for the source of a copy.
    ///
    /// Reads send ETags quoted, as HTTP defines them. Writes send them bare: S3 accepts both, but
    /// Ceph RGW compares a write's If-Match with the bare ETag and fails a quoted one.
    func headers(prefix: String = "", forWrite: Bool = false) -> [(String, String)] {
        func form(_ etag: String) -> String { forWrite ? Self.unquoted(etag) : Self.quoted(etag) }
        var fields: [(String, String)] = []
        if let ifMatch { fields.append((prefix + "If-Match", form(ifMatch))) }
        if let ifNoneMatch { fields.append((prefix + "If-None-Match", form(ifNoneMatch))) }
        if let ifModifiedSince { fields.append((prefix + "If-Modified-Since", HTTPDate.rfc1123(ifModifiedSince))) }
        if let ifUnmodifiedSince { fields.append((prefix + "If-Unmodified-Since", HTTPDate.rfc1123(ifUnmodifiedSince))) }
        return fields
    }

    func apply(to headers: inout SignableHeaders, prefix: String = "") {
        for (name, value) in self.headers(prefix: prefix) { headers.replace(name, value) }
    }

    /// Checks that S3 takes these on a write, then adds them.
    func applyToWrite(_ headers: inout SignableHeaders) throws {
        try validateForWrite()
        for (name, value) in self.headers(forWrite: true) { headers.replace(name, value) }
    }

    /// Refuses what S3 does not take on a write, rather than having it ignored: a silently
    /// dropped condition would make an unconditional write.
    func validateForWrite() throws {
        if ifModifiedSince != nil || ifUnmodifiedSince != nil {
            throw MSSClientError.invalidArgument("writes take only ifMatch and ifNoneMatch conditions, not dates")
        }
        if let ifNoneMatch, ifNoneMatch != "*" {
            throw MSSClientError.invalidArgument("on a write, ifNoneMatch must be \"*\" (create only), not \(ifNoneMatch)")
        }
    }

    /// ETags are quoted strings on the wire; `*` is not.
    static func quoted(_ etag: String) -> String {
        if etag == "*" || etag.hasPrefix("\"") || etag.hasPrefix("W/\"") { return etag }
        return "\"\(etag)\""
    }

    static func unquoted(_ etag: String) -> String {
        ObjectInfo.unquoted(etag)
    }
}
