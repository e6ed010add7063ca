public import S3Protocol
import Foundation

/// Where a connection gets its keys from. Resolved once, when the connection is made.
public enum CredentialsProvider: Sendable {
    /// These keys.
    case fixed(Credentials)
    /// `MSS_ACCESS_KEY`/`MSS_SECRET_KEY`, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
    /// (with `AWS_SESSION_TOKEN`).
    case environment
    /// A profile of the AWS shared credentials file (`~/.aws/credentials`, or
    /// `AWS_SHARED_CREDENTIALS_FILE`); the profile defaults to `AWS_PROFILE`, then `default`.
    case sharedFile(profile: String? = nil, path: String? = nil)
    /// No signature at all: only public-read objects and buckets are reachable.
    case anonymous
    /// The first of these that yields credentials.
    case chain([CredentialsProvider])

    /// Environment, then the shared file: what a command-line user expects.
    public static let `default` = CredentialsProvider.chain([.environment, .sharedFile()])

    /// The credentials, nil for anonymous access. Throws when a source that was asked for by
    /// name (not through a chain) has none.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credentials? {
        switch self {
        case .fixed(let credentials):
            return credentials
        case .anonymous:
            return nil
        case .environment:
            guard let found = Self.fromEnvironment(environment) else {
                throw MSSClientError(
                    .missingCredentials,
                    "set MSS_ACCESS_KEY and MSS_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
            }
            return found
        case .sharedFile(let profile, let path):
            let file = path ?? environment["AWS_SHARED_CREDENTIALS_FILE"] ?? Self.defaultSharedFilePath(environment)
            let name = profile ?? environment["AWS_PROFILE"] ?? "default"
            return try SharedCredentialsFile.load(path: file).credentials(profile: name)
        case .chain(let providers):
            for provider in providers {
                if let credentials = try? provider.resolve(environment: environment) { return credentials }
            }
            throw MSSClientError(
                .missingCredentials,
                "no credentials in the environment (MSS_ACCESS_KEY/MSS_SECRET_KEY, AWS_ACCESS_KEY_ID/"
                    + "AWS_SECRET_ACCESS_KEY) nor in the shared credentials file")
        }
    }

    static func fromEnvironment(_ environment: [String: String]) -> Credentials? {
        if let access = environment["MSS_ACCESS_KEY"], let secret = environment["MSS_SECRET_KEY"], !access.isEmpty {
            return Credentials(accessKey: access, secretKey: secret)
        }
        if let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"],
            !access.isEmpty
        {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return Credentials(accessKey: access, secretKey: secret, sessionToken: token)
        }
        return nil
    }

    static func defaultSharedFilePath(_ environment: [String: String]) -> String {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.aws/credentials"
    }
}
