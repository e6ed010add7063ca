public import Foundation
public import S3Protocol

/// The built-in credential sources: fixed keys, the environment, the shared credentials file,
/// anonymous access, and chains of providers. Made with the static members of
/// ``CredentialsProvider`` (`.fixed(…)`, `.environment`, `.sharedFile()`, `.anonymous`,
/// `.chain(…)`, `.default`).
///
/// Apart from chains holding custom providers, these resolve without waiting, so a connection
/// resolves them when it is made and a missing key fails there rather than on the first request.
public struct StandardCredentialsProvider: CredentialsProvider {
    enum Source: Sendable {
        case fixed(Credentials)
        case environment
        case sharedFile(profile: String?, path: String?)
        case anonymous
        case chain([any CredentialsProvider])
    }

    let source: Source

    public func resolveCredentials() async throws -> Credentials? {
        guard case .chain(let providers) = source else { return try resolve() }
        for provider in providers {
            if let credentials = try? await provider.resolveCredentials() { return credentials }
        }
        throw Self.nothingInChain
    }

    /// Whether ``resolve(environment:)`` sees every source: false when a chain holds a custom
    /// provider, which only ``resolveCredentials()`` can ask.
    var isSynchronous: Bool {
        guard case .chain(let providers) = source else { return true }
        return providers.allSatisfy { ($0 as? StandardCredentialsProvider)?.isSynchronous == true }
    }

    /// The credentials, nil for anonymous access, without waiting. Throws when a source that was
    /// asked for by name (not through a chain) has none. Custom providers in a chain are skipped.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Credentials? {
        switch source {
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
            for case let provider as StandardCredentialsProvider in providers {
                if let credentials = try? provider.resolve(environment: environment) { return credentials }
            }
            throw Self.nothingInChain
        }
    }

    private static let nothingInChain = MSSClientError(
        .missingCredentials,
        "no credentials in the environment (MSS_ACCESS_KEY/MSS_SECRET_KEY, AWS_ACCESS_KEY_ID/"
            + "AWS_SECRET_ACCESS_KEY) nor in the shared credentials file")

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
