public import S3Protocol

/// The users the server accepts, by access key and by canonical ID.
public struct AccessKeys: Sendable {
    private var byAccessKey: [String: ServerUser]
    private var byID: [String: ServerUser]
    /// The first user: `--access-key`. It owns what a data directory from before users held.
    let primary: ServerUser?

    /// Users signing with `credentials`, each shown under its access key.
    public init(_ credentials: [Credentials]) {
        self.init(users: credentials.map { ServerUser(credentials: $0) })
    }

    /// `users`, the first one primary. Later duplicates of an access key are ignored; the
    /// options refuse them before the server starts.
    init(users: [ServerUser]) {
        var byAccessKey: [String: ServerUser] = [:]
        var byID: [String: ServerUser] = [:]
        for user in users where byAccessKey[user.accessKey] == nil {
            byAccessKey[user.accessKey] = user
            byID[user.id] = user
        }
        self.byAccessKey = byAccessKey
        self.byID = byID
        primary = users.first
    }

    func credentials(for accessKey: String) -> Credentials? {
        byAccessKey[accessKey]?.credentials
    }

    func user(accessKey: String) -> ServerUser? {
        byAccessKey[accessKey]
    }

    func user(id: String) -> ServerUser? {
        byID[id]
    }
}
