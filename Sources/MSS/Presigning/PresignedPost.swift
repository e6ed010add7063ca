public import Foundation
public import S3Protocol

/// A browser upload form signed for one bucket: where to POST and the fields to send, in order,
/// before the `file` field. Build one with
/// ``S3Connection/presignedPost(bucket:key:expiry:fields:conditions:now:)``.
///
/// Send the fields as `multipart/form-data`, with the file last (S3 ignores what follows it):
///
/// ```swift
/// let form = try connection.presignedPost(
///     bucket: "photos", key: "uploads/${filename}", expiry: .after(600),
///     fields: ["Content-Type": "image/jpeg"], conditions: [.contentLengthRange(minimum: 1, maximum: 10 << 20)])
/// let page = form.htmlForm()
/// ```
public struct PresignedPost: Sendable, Hashable {
    /// One form field.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The bucket's URL, the form's `action`.
    public var url: URL
    /// The fields, in the order they go into the form; the signature fields come last.
    public var fields: [Field]
    /// The policy the fields are signed with; nil for an anonymous form (no credentials).
    public var policy: PostPolicy?

    public init(url: URL, fields: [Field], policy: PostPolicy?) {
        self.url = url
        self.fields = fields
        self.policy = policy
    }

    /// The value of the field `name` (compared ignoring case, as S3 does); nil when absent.
    public subscript(field name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
