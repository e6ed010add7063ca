public import Foundation
import AsyncHTTPClient
public import Logging
import NIOCore
import NIOPosix
public import S3Protocol

/// A connection to an MSS or other S3-compatible endpoint: the counterpart of `mssapi`'s
/// `S3Connection`. It owns one pool of HTTP connections shared by every bucket and key made
/// from it; call ``shutdown()`` when done, or use ``withConnection(credentials:configuration:logger:_:)``.
///
/// ```swift
/// let conn = try S3Connection(accessKey: key, secretKey: secret, host: "127.0.0.1", port: 9000)
/// let bucket = try await conn.createBucket("tmpbucket0")
/// try await bucket.newKey("key0").setContents("hello key0")
/// try await conn.shutdown()
/// ```
public final class S3Connection: Sendable {
    /// Everything that shapes requests, fixed for the connection's life.
    public struct Configuration: Sendable {
        public var host: String
        /// The port; nil means 80, or 443 when ``isSecure``.
        public var port: Int?
        public var isSecure: Bool
        public var signatureVersion: SignatureVersion
        public var addressing: AddressingStyle
        /// The image service host; nil means ``host``.
        public var imageHost: String?
        /// The image service port; nil means 80 (443 when secure).
        public var imagePort: Int?
        public var timeouts: Timeouts
        public var retry: RetryPolicy
        /// Largest response body read into memory by ``Key/data(range:versionID:conditions:customerKey:)`` and the string reader.
        public var maximumInMemoryBody: Int
        public var userAgent: String
        /// How long before their `Credentials.expiration` credentials are refreshed: long enough
        /// that a request signed just before cannot arrive after it. Five minutes by default.
        public var credentialsRefreshMargin: TimeInterval

        public init(
            host: String = "mtmss.com", port: Int? = nil, isSecure: Bool = false,
            signatureVersion: SignatureVersion = .v2, addressing: AddressingStyle = .path, imageHost: String? = nil,
            imagePort: Int? = nil, timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy(),
            maximumInMemoryBody: Int = 1 << 30, userAgent: String = PackageVersion.userAgent,
            credentialsRefreshMargin: TimeInterval = 300
        ) {
            self.credentialsRefreshMargin = credentialsRefreshMargin
            self.host = host
            self.port = port
            self.isSecure = isSecure
            self.signatureVersion = signatureVersion
            self.addressing = addressing
            self.imageHost = imageHost
            self.imagePort = imagePort
            self.timeouts = timeouts
            self.retry = retry
            self.maximumInMemoryBody = maximumInMemoryBody
            self.userAgent = userAgent
        }
    }

    public let configuration: Configuration
    /// Where the credentials come from.
    public var credentialsProvider: any CredentialsProvider { credentialsCache.provider }
    /// The credentials held now: nil for anonymous access, and also before a custom provider has
    /// first been asked or after its credentials expired. Requests use ``currentCredentials()``.
    public var credentials: Credentials? { (try? credentialsCache.heldCredentials()) ?? nil }
    let credentialsCache: CredentialsCache
    /// SigV4 signing keys derived lately: every request of a day signs with the same one.
    let signingKeys = SigningKeyCache(capacity: 16)
    let httpClient: HTTPClient
    let logger: Logger

    /// Connects with credentials from `provider`.
    ///
    /// The built-in providers are resolved here, so missing keys fail now; a custom provider is
    /// first asked by the first request.
    ///
    /// - Parameter logger: where to log requests at debug/trace level; nothing is logged without
    ///   one, and secrets never are.
    public init(
        credentials provider: any CredentialsProvider = .default, configuration: Configuration = Configuration(),
        logger: Logger? = nil
    ) throws {
        var resolved: Credentials?? = nil
        if let standard = provider as? StandardCredentialsProvider, standard.isSynchronous {
            resolved = .some(try standard.resolve())
        }
        self.credentialsCache = CredentialsCache(
            provider: provider, margin: configuration.credentialsRefreshMargin, resolved: resolved)
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "mss", factory: { _ in SwiftLogNoOpLogHandler() })
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(Int64(configuration.timeouts.connect.nanoseconds)),
                read: .nanoseconds(Int64(configuration.timeouts.idleRead.nanoseconds))),
            decompression: .disabled)
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        // One retry layer, the connection's own policy: AsyncHTTPClient would otherwise keep
        // re-dialling a refused address for the whole connect timeout on every attempt, so a
        // server that is not there took four times ten seconds to report.
        http.connectionPool.retryConnectionEstablishment = false
        self.httpClient = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: http)
    }

    /// The `mssapi` spelling: keys, host and port, with MSS's defaults of plain HTTP, SigV2 and
    /// path-style URLs.
    public convenience init(
        accessKey: String, secretKey: String, sessionToken: String? = nil, host: String = "mtmss.com",
        port: Int? = nil, isSecure: Bool = false, signatureVersion: SignatureVersion = .v2,
        addressing: AddressingStyle = .path, imageHost: String? = nil, imagePort: Int? = nil,
        timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy(), logger: Logger? = nil
    ) throws {
        try self.init(
            credentials: .fixed(Credentials(accessKey: accessKey, secretKey: secretKey, sessionToken: sessionToken)),
            configuration: Configuration(
                host: host, port: port, isSecure: isSecure, signatureVersion: signatureVersion, addressing: addressing,
                imageHost: imageHost, imagePort: imagePort, timeouts: timeouts, retry: retry),
            logger: logger)
    }

    /// The credentials requests are signed with now, asking the provider first when there are
    /// none yet or they expire within ``Configuration/credentialsRefreshMargin``. Presigning,
    /// which cannot wait, uses what this last fetched.
    ///
    /// - Throws: ``MSSClientError`` `credentialsUnavailable` when the provider fails.
    public func currentCredentials() async throws -> Credentials? {
        try await credentialsCache.credentials()
    }

    /// Closes the connection pool. Requests in flight fail.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// Runs `body` with a new connection and shuts it down afterwards, also when `body` throws.
    public static func withConnection<Result: Sendable>(
        credentials: any CredentialsProvider = .default, configuration: Configuration = Configuration(),
        logger: Logger? = nil, _ body: (S3Connection) async throws -> Result
    ) async throws -> Result {
        let connection = try S3Connection(credentials: credentials, configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            try? await connection.shutdown()
            throw error
        }
        try await connection.shutdown()
        return result
    }
}

extension Duration {
    /// Saturates instead of trapping: a timeout of centuries is just "never".
    var nanoseconds: Int64 {
        let (whole, overflow) = components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return components.seconds < 0 ? .min : .max }
        let (total, carry) = whole.addingReportingOverflow(components.attoseconds / 1_000_000_000)
        return carry ? (whole < 0 ? .min : .max) : total
    }
}
