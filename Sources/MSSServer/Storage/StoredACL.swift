import S3Protocol

/// Who owns a bucket or object version, and the grants that say who else may do what: S3's
/// access control list, as bucket.json and object metadata keep it.
///
/// Documents written before the server had users hold the bare strings `"private"` or
/// `"public-read"`; they decode to an ACL without an owner, which ``resolved(primary:)`` gives
/// to the primary user, the only one those servers had.
struct StoredACL: Sendable, Hashable {
    /// The owner's canonical user ID; nil only for documents from before users.
    var owner: String?
    var grants: [StoredGrant]

    /// S3 allows at most 100 grants in one ACL.
    static let maximumGrants = 100

    /// Private and owned by the primary user: for records the server has to rebuild without
    /// knowing who wrote them.
    static let `private` = StoredACL(owner: nil, grants: [])

    /// Public-read and owned by the primary user, as `"public-read"` documents from before users.
    static let publicRead = StoredACL(owner: nil, grants: [StoredGrant(.group(.allUsers), .read)])

    /// The ACL with a legacy missing owner replaced by `primary`, who then holds the full
    /// control the canned ACL of those documents gave the owner.
    func resolved(primary: String) -> StoredACL {
        guard owner == nil else { return self }
        return StoredACL(owner: primary, grants: [StoredGrant(.user(primary), .fullControl)] + grants)
    }

    /// Whether `user` (nil: anonymous) holds `permission` through a grant, directly or through
    /// FULL_CONTROL. Ownership alone gives nothing here: the owner's implicit rights to the ACL
    /// itself are the caller's to add.
    func grants(_ permission: ACLPermission, to user: ServerUser?) -> Bool {
        grants.contains { grant in
            (grant.permission == permission || grant.permission == .fullControl) && grant.grantee.includes(user)
        }
    }
}

/// One grant of an ACL.
struct StoredGrant: Codable, Sendable, Hashable {
    var grantee: ACLGrantee
    var permission: ACLPermission

    init(_ grantee: ACLGrantee, _ permission: ACLPermission) {
        self.grantee = grantee
        self.permission = permission
    }

    // Flat keys (`{"id": …, "permission": …}` or `{"group": …}`) keep the documents readable.
    private enum CodingKeys: String, CodingKey {
        case id, group, permission
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        permission = try container.decode(ACLPermission.self, forKey: .permission)
        if let id = try container.decodeIfPresent(String.self, forKey: .id) {
            grantee = .user(id)
        } else {
            grantee = .group(try container.decode(ACLGroup.self, forKey: .group))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch grantee {
        case .user(let id): try container.encode(id, forKey: .id)
        case .group(let group): try container.encode(group, forKey: .group)
        }
        try container.encode(permission, forKey: .permission)
    }
}

/// Who a stored grant is for. E-mail grantees are resolved (or refused) before storing.
enum ACLGrantee: Sendable, Hashable {
    case user(String)
    case group(ACLGroup)

    /// Whether the grant reaches `user` (nil: anonymous).
    func includes(_ user: ServerUser?) -> Bool {
        switch self {
        case .user(let id): user?.id == id
        case .group(.allUsers): true
        case .group(.authenticatedUsers): user != nil
        // No request is ever made as the log delivery service here.
        case .group(.logDelivery): false
        }
    }
}

/// S3's predefined groups; the raw value is what documents store.
enum ACLGroup: String, Codable, Sendable, Hashable, CaseIterable {
    case allUsers = "AllUsers"
    case authenticatedUsers = "AuthenticatedUsers"
    case logDelivery = "LogDelivery"

    var uri: String {
        switch self {
        case .allUsers: AccessControlPolicy.Group.allUsers
        case .authenticatedUsers: AccessControlPolicy.Group.authenticatedUsers
        case .logDelivery: AccessControlPolicy.Group.logDelivery
        }
    }

    init?(uri: String) {
        guard let group = Self.allCases.first(where: { $0.uri == uri }) else { return nil }
        self = group
    }
}

/// What a grant allows, in S3's spelling.
enum ACLPermission: String, Codable, Sendable, Hashable, CaseIterable {
    case fullControl = "FULL_CONTROL"
    case read = "READ"
    case write = "WRITE"
    case readACP = "READ_ACP"
    case writeACP = "WRITE_ACP"

    init(_ permission: AccessControlPolicy.Permission) {
        switch permission {
        case .fullControl: self = .fullControl
        case .read: self = .read
        case .write: self = .write
        case .readACP: self = .readACP
        case .writeACP: self = .writeACP
        }
    }

    /// The permission as AccessControlPolicy documents carry it.
    var document: AccessControlPolicy.Permission {
        switch self {
        case .fullControl: .fullControl
        case .read: .read
        case .write: .write
        case .readACP: .readACP
        case .writeACP: .writeACP
        }
    }
}

extension StoredACL: Codable {
    private enum CodingKeys: String, CodingKey {
        case owner, grants
    }

    init(from decoder: any Decoder) throws {
        // The form of documents from before users: a canned ACL name.
        if let single = try? decoder.singleValueContainer(), let name = try? single.decode(String.self) {
            switch name {
            case "private": self = .private
            case "public-read": self = .publicRead
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown ACL \(name.prefix(40))"))
            }
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        owner = try container.decodeIfPresent(String.self, forKey: .owner)
        grants = try container.decode([StoredGrant].self, forKey: .grants)
    }

    func encode(to encoder: any Encoder) throws {
        // Ownerless ACLs are the two an older server could write; keeping their old form keeps
        // the documents readable by it.
        if self == .private || self == .publicRead {
            var single = encoder.singleValueContainer()
            try single.encode(self == .private ? "private" : "public-read")
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(owner, forKey: .owner)
        try container.encode(grants, forKey: .grants)
    }
}
