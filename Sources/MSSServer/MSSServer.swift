public import Foundation
import Hummingbird
public import Logging
import NIOCore
public import S3Protocol

/// The local MSS-compatible server: the S3 REST API over a data directory, with strict SigV2 and
/// SigV4 authentication.
///
/// ```swift
/// let server = try await MSSServer(configuration: .init(dataDirectory: "/tmp/mss-data", port: 0))
/// try await server.run { port in print("listening on \(port)") }
/// ```
public struct MSSServer: Sendable {
    public struct Configuration: Sendable {
        public var dataDirectory: String
        public var address: String
        /// 0 picks a free port; ``MSSServer/run(onListening:)`` reports the one chosen.
        public var port: Int
        public var credentials: [Credentials]

        /// Keys for local development, used when none are given; documented, so never for data
        /// that matters.
        public static let developmentCredentials = Credentials(accessKey: "mssadmin", secretKey: "mssadmin-secret")

        public init(
            dataDirectory: String, address: String = "127.0.0.1", port: Int = 9000,
            credentials: [Credentials] = [developmentCredentials]
        ) {
            self.dataDirectory = dataDirectory
            self.address = address
            self.port = port
            self.credentials = credentials
        }
    }

    public let configuration: Configuration
    let store: ObjectStore
    let logger: Logger

    /// Opens the data directory (creating it) and loads its index.
    public init(configuration: Configuration, logger: Logger = Logger(label: "mss-server")) async throws {
        self.configuration = configuration
        self.logger = logger
        store = try await ObjectStore(path: configuration.dataDirectory)
    }

    /// Serves until SIGINT or SIGTERM, then finishes requests in flight and returns.
    /// `onListening` receives the bound port.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let handler = S3Handler(store: store, authenticator: Authenticator(keys: AccessKeys(configuration.credentials)), logger: logger)
        let app = Application(
            responder: handler,
            configuration: .init(address: .hostname(configuration.address, port: configuration.port), serverName: "mss-server"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService()
    }
}
