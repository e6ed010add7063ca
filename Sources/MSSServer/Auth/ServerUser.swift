public import S3Protocol

/// Someone the server accepts requests from: the keys they sign with, and who they are in
/// ACLs and listings.
public struct ServerUser: Sendable, Hashable {
    /// Redacts the secret when printed, so a user logged by mistake leaks nothing.
    public var credentials: Credentials
    /// The name `Owner` and grantee elements show; defaults to the access key.
    public var displayName: String
    /// The canonical user ID grants name: derived from the access key, so it stays the same
    /// across restarts and for the same key in another data directory.
    public let id: String

    public init(credentials: Credentials, displayName: String? = nil) {
        self.credentials = credentials
        self.displayName = displayName ?? credentials.accessKey
        id = Self.canonicalID(accessKey: credentials.accessKey)
    }

    public var accessKey: String { credentials.accessKey }

    /// 64 lower-case hex digits, the shape of AWS canonical IDs. The prefix keeps the value from
    /// matching a hash of the bare key that something else might compute.
    public static func canonicalID(accessKey: String) -> String {
        Digests.sha256Hex(Array("mss-server canonical user\n\(accessKey)".utf8))
    }

    /// The user as `Owner` elements show it.
    var owner: Owner { Owner(id: id, displayName: displayName) }
}
