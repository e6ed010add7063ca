import Foundation
import S3Protocol
import HTTPTypes

/// S3's canned ACLs, as `x-amz-acl` names them.
enum CannedACL: String, Sendable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
    case logDeliveryWrite = "log-delivery-write"

    /// The grants the canned ACL stands for. `bucketOwner` is the owner of the bucket an
    /// object is in, nil when the ACL is for a bucket: S3 ignores the bucket-owner ACLs on
    /// buckets, which leaves the owner's full control.
    func acl(owner: String, bucketOwner: String?) -> StoredACL {
        var grants = [StoredGrant(.user(owner), .fullControl)]
        switch self {
        case .private: break
        case .publicRead: grants.append(StoredGrant(.group(.allUsers), .read))
        case .publicReadWrite: grants += [StoredGrant(.group(.allUsers), .read), StoredGrant(.group(.allUsers), .write)]
        case .authenticatedRead: grants.append(StoredGrant(.group(.authenticatedUsers), .read))
        case .bucketOwnerRead:
            if let bucketOwner, bucketOwner != owner { grants.append(StoredGrant(.user(bucketOwner), .read)) }
        case .bucketOwnerFullControl:
            if let bucketOwner, bucketOwner != owner { grants.append(StoredGrant(.user(bucketOwner), .fullControl)) }
        case .logDeliveryWrite:
            grants += [StoredGrant(.group(.logDelivery), .write), StoredGrant(.group(.logDelivery), .readACP)]
        }
        return StoredACL(owner: owner, grants: grants)
    }
}

/// The ACL a request sets through `x-amz-acl` or the `x-amz-grant-*` headers, checked: a
/// canned name S3 knows, or grants whose grantees exist.
enum RequestedACL: Sendable, Hashable {
    /// Neither header: a new bucket or object is private.
    case unspecified
    case canned(CannedACL)
    /// Exactly these grants; the owner gets no grant it was not given, as in S3.
    case grants([StoredGrant])

    /// The grant headers in the order their grants are stored.
    static let grantHeaders: [(name: String, permission: ACLPermission)] = [
        ("x-amz-grant-full-control", .fullControl), ("x-amz-grant-read", .read), ("x-amz-grant-write", .write),
        ("x-amz-grant-read-acp", .readACP), ("x-amz-grant-write-acp", .writeACP),
    ]

    /// Reads the request's ACL headers; grantees named by ID must be users of `keys`.
    init(_ request: ServerRequest, keys: AccessKeys) throws(S3ServerError) {
        let canned = request.header("x-amz-acl")
        var grants: [StoredGrant] = []
        var anyGrantHeader = false
        for (name, permission) in Self.grantHeaders {
            guard let value = request.header(name) else { continue }
            anyGrantHeader = true
            for grantee in try Self.grantees(value, keys: keys) { grants.append(StoredGrant(grantee, permission)) }
        }
        if let canned {
            guard !anyGrantHeader else {
                throw S3ServerError(.badRequest, .invalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed")
            }
            guard let acl = CannedACL(rawValue: canned) else {
                throw S3ServerError(
                    .badRequest, .invalidArgument, "x-amz-acl names no canned ACL S3 knows.", details: ["ArgumentName": "x-amz-acl", "ArgumentValue": String(canned.prefix(64))])
            }
            self = .canned(acl)
        } else if anyGrantHeader {
            guard grants.count <= StoredACL.maximumGrants else {
                throw S3ServerError(.badRequest, .malformedACLError, "An ACL may hold at most \(StoredACL.maximumGrants) grants.")
            }
            self = .grants(grants)
        } else {
            self = .unspecified
        }
    }

    var isSpecified: Bool { self != .unspecified }

    /// The ACL of a bucket or object owned by `owner`; `bucketOwner` as for ``CannedACL``.
    func acl(owner: String, bucketOwner: String?) -> StoredACL {
        switch self {
        case .unspecified: CannedACL.private.acl(owner: owner, bucketOwner: bucketOwner)
        case .canned(let canned): canned.acl(owner: owner, bucketOwner: bucketOwner)
        case .grants(let grants): StoredACL(owner: owner, grants: grants)
        }
    }

    /// The grantees of one `x-amz-grant-*` header: `id="…"`, `uri="…"` or `emailAddress="…"`,
    /// separated by commas, the quotes optional.
    static func grantees(_ value: String, keys: AccessKeys) throws(S3ServerError) -> [ACLGrantee] {
        var grantees: [ACLGrantee] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingCharacters(in: .whitespaces)
            guard let equals = item.firstIndex(of: "=") else {
                throw S3ServerError.invalidArgument("Invalid grant header value: \(item.prefix(64))")
            }
            let type = item[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var text = item[item.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
            switch type {
            case "id": grantees.append(try user(id: text, keys: keys))
            case "uri": grantees.append(try group(uri: text))
            case "emailaddress": throw unresolvableEmail
            default: throw S3ServerError.invalidArgument("Invalid grantee type in grant header: \(type.prefix(64))")
            }
        }
        return grantees
    }

    /// A grantee by canonical ID, which must be a user of this server.
    static func user(id: String, keys: AccessKeys) throws(S3ServerError) -> ACLGrantee {
        guard keys.user(id: id) != nil else {
            throw S3ServerError(.badRequest, .invalidArgument, "Invalid id", details: ["ArgumentName": "CanonicalUser/ID", "ArgumentValue": String(id.prefix(128))])
        }
        return .user(id)
    }

    /// A grantee by group URI, which must be one of S3's groups.
    static func group(uri: String) throws(S3ServerError) -> ACLGrantee {
        guard let group = ACLGroup(uri: uri) else {
            throw S3ServerError(.badRequest, .invalidArgument, "Invalid group uri", details: ["ArgumentName": "Group/URI", "ArgumentValue": String(uri.prefix(128))])
        }
        return .group(group)
    }

    /// Users here have no e-mail addresses; S3 answers an address it cannot match like this.
    static let unresolvableEmail = S3ServerError(
        .badRequest, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.")
}
