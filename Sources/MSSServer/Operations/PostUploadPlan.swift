import Crypto
import Foundation
import HTTPTypes
import S3Protocol

/// What a POST form asks for, worked out from its fields once they are all read (when the file
/// part starts) and before a byte of the file is stored: the object to create and how to answer.
struct PostUploadPlan: Sendable {
    var object: StoredObject
    var policy: PostPolicy?
    /// The largest file the form may carry: S3's 5 GiB or less, by the policy.
    var maximumSize: Int64
    /// 200, 201 or 204 (the default, and what any other value gives).
    var status: Int
    /// Where a browser is sent afterwards (303), when the form names a valid http(s) URL.
    var redirect: URL?
    /// What the `x-amz-server-side-encryption*` fields ask for, with the new object's data key.
    var encryption: (encryption: StoredEncryption, key: SymmetricKey)?

    /// Form fields that describe the object, as PutObject's headers do.
    static let contentFields = ["cache-control", "content-disposition", "content-encoding", "expires"]

    /// The object's key: the `key` field with `${filename}` replaced by the file's name.
    static func key(_ template: String?, filename: String?) throws(S3ServerError) -> String {
        guard let template else { throw PostFormAuthentication.missingField("key") }
        let key = template.replacingOccurrences(of: "${filename}", with: filename ?? "")
        guard !key.isEmpty else { throw S3ServerError.invalidArgument("User key must have a length greater than 0.") }
        guard key.utf8.count <= NameRules.maximumKeyBytes else { throw S3ServerError(.badRequest, .keyTooLong, "Your key is too long") }
        return key
    }

    /// The user metadata of the `x-amz-meta-*` fields, bounded as PutObject's headers are.
    static func metadata(_ fields: PostFormFields) throws(S3ServerError) -> [String: String] {
        var metadata: [String: String] = [:]
        var bytes = 0
        for name in fields.names where name.hasPrefix("x-amz-meta-") {
            let short = String(name.dropFirst("x-amz-meta-".count))
            let value = fields[name] ?? ""
            metadata[short] = value
            bytes &+= short.utf8.count &+ value.utf8.count
        }
        guard bytes <= 2048 else {
            throw S3ServerError(.badRequest, .metadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size.")
        }
        return metadata
    }

    /// The tags of the `tagging` field, a `<Tagging>` document, checked against S3's rules.
    static func tags(_ text: String?) throws(S3ServerError) -> [StoredTag]? {
        guard let text, !text.isEmpty else { return nil }
        let document: Tagging
        do throws(DocumentError) {
            document = try Tagging(bytes: Array(text.utf8))
        } catch {
            throw S3ServerError.malformedXML(error.message)
        }
        if let problem = TagRules.problem(document.tagSet, forBucket: false) {
            throw S3ServerError(.badRequest, S3ErrorCode(problem.code), problem.message)
        }
        return document.tagSet.isEmpty ? nil : document.tagSet.map { StoredTag(key: $0.key, value: $0.value) }
    }

    /// `success_action_status`: S3 answers 204 for anything but 200 or 201.
    static func status(_ text: String?) -> Int {
        switch text {
        case "200": 200
        case "201": 201
        default: 204
        }
    }

    /// `success_action_redirect` (or the older `redirect`): used only when it is an absolute
    /// http(s) URL; S3 ignores anything else and answers with the status.
    static func redirect(_ fields: PostFormFields) -> URL? {
        guard let text = fields["success_action_redirect"] ?? fields["redirect"], text.utf8.count <= 2048,
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else { return nil }
        return components.url
    }

    /// The redirect target with `bucket`, `key` and `etag` added to its query, as S3 sends it.
    static func redirectLocation(_ url: URL, bucket: String, key: String, etag: String) -> String {
        var text = url.absoluteString
        let fragment: String
        if let hash = text.firstIndex(of: "#") {
            fragment = String(text[hash...])
            text = String(text[..<hash])
        } else {
            fragment = ""
        }
        let query = "bucket=\(URIEncoding.encode(bucket))&key=\(URIEncoding.encode(key))&etag=\(URIEncoding.encode("\"\(etag)\""))"
        let separator = text.contains("?") ? (text.hasSuffix("?") || text.hasSuffix("&") ? "" : "&") : "?"
        return text + separator + query + fragment
    }
}
