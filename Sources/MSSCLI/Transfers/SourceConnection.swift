import Foundation
import MSS
import S3Protocol

/// Where remote sources are read from when `--source-profile` names another connection. Two
/// connections to the same endpoint with the same key copy on the server; otherwise the bytes flow
/// through this process, a few parts at a time.
struct SourceConnection: Sendable {
    let connection: S3Connection
    /// Same endpoint and access key as the destination: a server-side copy works.
    let sameServer: Bool
    /// "profile NAME", for messages.
    let name: String

    func bucket(_ name: String) -> Bucket { Bucket(connection: connection, name: name) }

    /// Runs `body` with the source connection of `profile` (nil when none was named), closed after.
    static func run<Result>(
        profile: String?, session: Session, _ body: (SourceConnection?) async throws -> Result
    ) async throws -> Result {
        guard let profile else { return try await body(nil) }
        let settings = try settings(profile: profile, home: session.home)
        let connection = try ConnectionResolver.connect(settings)
        let same = settings.endpoint.absoluteString.trimmingSuffix("/") == session.settings.endpoint.absoluteString.trimmingSuffix("/")
            && settings.credentials.accessKey == session.settings.credentials.accessKey
        let source = SourceConnection(connection: connection, sameServer: same, name: "profile \(profile)")
        do {
            let result = try await body(source)
            try await connection.shutdown()
            return result
        } catch {
            try? await connection.shutdown()
            throw error
        }
    }

    /// The settings of one profile alone: the environment and flags describe the destination, so
    /// they must not leak into the source.
    static func settings(profile name: String, home: MSSHome) throws -> ConnectionResolver.Settings {
        let file = try ProfileFile.load(from: home)
        guard let profile = file.profiles[name] else {
            throw CLIError.usage("--source-profile: there is no profile '\(name)'; `mss config list` shows the ones there are")
        }
        guard let endpointText = profile.endpoint, !endpointText.isEmpty else {
            throw CLIError.usage("--source-profile: profile '\(name)' has no endpoint (`mss config set endpoint URL --profile \(name)`)")
        }
        guard let accessKey = profile.accessKey, let secretKey = profile.secretKey else {
            throw CLIError.usage("--source-profile: profile '\(name)' has no access-key and secret-key")
        }
        let signature: SignatureVersion
        switch profile.signature ?? "v2" {
        case "v2": signature = .v2
        case "v4": signature = .v4(region: profile.region ?? "us-east-1")
        case let other: throw CLIError.usage("--source-profile: profile '\(name)' has signature '\(other)'; it must be v2 or v4")
        }
        return ConnectionResolver.Settings(
            endpoint: try ConnectionResolver.parseEndpoint(endpointText, what: "endpoint of profile '\(name)'"), imageEndpoint: nil,
            credentials: Credentials(accessKey: accessKey, secretKey: secretKey), signatureVersion: signature,
            addressing: profile.addressing == "virtual" ? .virtualHost : .path, source: "profile \(name)")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
