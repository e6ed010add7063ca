import S3Protocol

/// The access keys the server accepts.
public struct AccessKeys: Sendable {
    private var secrets: [String: String]

    public init(_ credentials: [Credentials]) {
        var secrets: [String: String] = [:]
        for credential in credentials { secrets[credential.accessKey] = credential.secretKey }
        self.secrets = secrets
    }

    func credentials(for accessKey: String) -> Credentials? {
        secrets[accessKey].map { Credentials(accessKey: accessKey, secretKey: $0) }
    }
}
