import S3Protocol
import Foundation
import HTTPTypes

/// `If-Match` / `If-None-Match: *` on a write (PutObject, CopyObject, CompleteMultipartUpload):
/// the write happens only while the key's current object is what the client last saw.
///
/// Checked twice: before the body is read, so a doomed upload is refused without sending it
/// (and before `100 Continue`), and again by the store in the same step as the commit. A
/// condition that held at first but not at the commit means another write got in meanwhile,
/// which S3 reports as 409 ConditionalRequestConflict for the client to retry.
struct WritePrecondition: Sendable, Hashable {
    /// ETags the current object must have (`*`: any object at all).
    var ifMatch: [String]?
    /// `If-None-Match: *`: the key must have no current object.
    var ifNoneMatch = false

    static let none = WritePrecondition()

    var isNone: Bool { ifMatch == nil && !ifNoneMatch }

    /// Reads the headers of a write. S3 supports only `*` in If-None-Match on writes.
    init(headers: SignableHeaders) throws(S3ServerError) {
        if let value = headers["if-none-match"] {
            guard value.trimmingCharacters(in: .whitespaces) == "*" else {
                throw S3ServerError(
                    .notImplemented, .notImplemented, "A header you provided implies functionality that is not implemented",
                    details: ["Header": "If-None-Match"])
            }
            ifNoneMatch = true
        }
        if let value = headers["if-match"] {
            let tags = value.split(separator: ",").map { Self.unquoted($0) }.filter { !$0.isEmpty }
            guard !tags.isEmpty else { throw S3ServerError.invalidArgument("If-Match has no entity tag") }
            ifMatch = tags
        }
    }

    init() {}

    /// Throws unless `current` (the key's object, nil when absent or deleted) satisfies the
    /// condition: 412 PreconditionFailed, 404 NoSuchKey for If-Match on a missing key, or 409
    /// ConditionalRequestConflict when `whileWriting` (the early check passed).
    func check(_ current: StoredObject?, key: String, whileWriting: Bool) throws(S3ServerError) {
        guard !isNone else { return }
        let holds: Bool
        if ifNoneMatch && current != nil {
            holds = false
        } else if let ifMatch {
            guard let current else {
                if whileWriting { throw Self.conflict }
                throw S3ServerError.noSuchKey(key)
            }
            holds = ifMatch.contains("*") || ifMatch.contains(current.etag)
        } else {
            holds = true
        }
        guard !holds else { return }
        if whileWriting { throw Self.conflict }
        throw S3ServerError(.preconditionFailed, .preconditionFailed, "At least one of the pre-conditions you specified did not hold", details: ["Condition": ifNoneMatch ? "If-None-Match" : "If-Match"])
    }

    static let conflict = S3ServerError(
        .conflict, "ConditionalRequestConflict",
        "A conflicting operation occurred. If using PutObject you can retry the request. If using multipart upload you should initiate another CreateMultipartUpload request and re-upload each part.")

    private static func unquoted(_ tag: Substring) -> String {
        var text = tag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
        return text
    }
}
