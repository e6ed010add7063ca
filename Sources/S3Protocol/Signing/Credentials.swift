public import Foundation

/// An access key pair, with the session token and expiry of temporary credentials.
///
/// `description` never prints the secret, so credentials can be logged by accident without leaking.
public struct Credentials: Sendable, Hashable, CustomStringConvertible {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-lived keys. Signing ignores it: a
    /// client uses it to fetch new credentials before these run out.
    public var expiration: Date?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String {
        "Credentials(accessKey: \(accessKey), secretKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }
}
