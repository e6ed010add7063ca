/// An access key pair, with the session token of temporary credentials.
///
/// `description` never prints the secret, so credentials can be logged by accident without leaking.
public struct Credentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "Credentials(accessKey: \(accessKey), secretKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }
}
