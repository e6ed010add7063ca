import Foundation
public import S3Protocol

/// Where a connection gets its keys from. Implement it to fetch temporary credentials from
/// anywhere (an STS-like service, a vault, a file a sidecar rewrites).
///
/// A connection asks its provider when it has no credentials yet and again shortly before the
/// ones it has expire (`Credentials.expiration`; see ``S3Connection/Configuration/credentialsRefreshMargin``).
/// Concurrent requests share one call: only one refresh is in flight at a time and the others
/// wait for its result. Credentials without an expiry are fetched once.
///
/// ```swift
/// struct TokenService: CredentialsProvider {
///     func resolveCredentials() async throws -> Credentials? {
///         let token = try await fetchToken()
///         return Credentials(accessKey: token.key, secretKey: token.secret,
///                            sessionToken: token.session, expiration: token.expires)
///     }
/// }
/// let connection = try S3Connection(credentials: TokenService(), configuration: .init(host: "mtmss.com"))
/// ```
///
/// The built-in sources are ``StandardCredentialsProvider`` values: `.fixed`, `.environment`,
/// `.sharedFile()`, `.anonymous`, `.chain` and `.default`.
public protocol CredentialsProvider: Sendable {
    /// Fetches credentials; nil means anonymous (unsigned) requests.
    ///
    /// Errors are reported to the request that needed the credentials as ``MSSClientError``
    /// `credentialsUnavailable` (an ``MSSClientError`` thrown here passes through unchanged).
    func resolveCredentials() async throws -> Credentials?
}

extension CredentialsProvider where Self == StandardCredentialsProvider {
    /// These keys.
    public static func fixed(_ credentials: Credentials) -> StandardCredentialsProvider {
        StandardCredentialsProvider(source: .fixed(credentials))
    }

    /// `MSS_ACCESS_KEY`/`MSS_SECRET_KEY`, else `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
    /// (with `AWS_SESSION_TOKEN`).
    public static var environment: StandardCredentialsProvider { StandardCredentialsProvider(source: .environment) }

    /// A profile of the AWS shared credentials file (`~/.aws/credentials`, or
    /// `AWS_SHARED_CREDENTIALS_FILE`); the profile defaults to `AWS_PROFILE`, then `default`.
    public static func sharedFile(profile: String? = nil, path: String? = nil) -> StandardCredentialsProvider {
        StandardCredentialsProvider(source: .sharedFile(profile: profile, path: path))
    }

    /// No signature at all: only public-read objects and buckets are reachable.
    public static var anonymous: StandardCredentialsProvider { StandardCredentialsProvider(source: .anonymous) }

    /// The first of these that yields credentials; custom providers may be among them.
    public static func chain(_ providers: [any CredentialsProvider]) -> StandardCredentialsProvider {
        StandardCredentialsProvider(source: .chain(providers))
    }

    /// Environment, then the shared file: what a command-line user expects.
    public static var `default`: StandardCredentialsProvider { .chain([.environment, .sharedFile()]) }
}
