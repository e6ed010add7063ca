import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
#if ImageService
import MSSImageRendering
#endif
import NIOCore
import ServiceLifecycle
public import S3Protocol
import UnixSignals

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
        /// The image service's port (`GET /{bucket}/{key}@{process}`); nil runs no image service,
        /// 0 picks a free port.
        public var imagePort: Int?
        /// The keys of the primary user (the first) and any others; each is shown under its
        /// access key. The primary user owns what a data directory from before users held.
        public var credentials: [Credentials]
        /// More users, with display names: `mss-server --users FILE`. Access keys must differ
        /// from each other and from `credentials`.
        public var users: [ServerUser] = []
        /// How long a connection may sit without sending a byte of its request (headers or body)
        /// or, between requests, at all, before it is closed: half-open and trickling connections
        /// cannot hold the server's connection slots. Time spent answering does not count.
        public var idleTimeout: Duration = .seconds(60)
        /// Connections served at once per port; past it the server stops accepting until one
        /// closes (the kernel's backlog holds the rest).
        public var maximumConnections = 1024
        /// Threads of the image service's own render pool (not the one file I/O uses).
        public var renderThreads = System.coreCount
        /// Renders that may wait for a render thread; past them the image port answers 503 SlowDown.
        public var renderQueueLimit = 16
        /// Longest one render may run; past it the render is stopped and answered 400.
        public var renderTimeout: Duration = .seconds(10)
        /// Bytes the image service's cache of rendered variants may take under the data
        /// directory (`.mss/image-cache`); 0 turns it off.
        public var imageCacheSize: Int64 = 1 << 30
        /// Bytes of memory that answers of plain GETs and HEADs may take (objects up to 64 KiB
        /// with their bodies, larger ones headers only), answered again without reading the
        /// store; 0 turns it off.
        public var objectCacheSize = 64 << 20
        /// Domains for virtual-host style addressing: a request to `photos.DOMAIN` (any port)
        /// addresses bucket `photos`, as most AWS SDKs send by default. Empty: path style only.
        public var virtualHostDomains: [String] = []
        /// The web console at `/_console/` on the S3 port (``ConsoleSettings``); nil turns it off.
        public var console: ConsoleSettings? = ConsoleSettings()
        /// Enforcement of bucket lifecycle rules (``LifecycleSettings``); nil enforces none
        /// (configurations are still stored and answered).
        public var lifecycle: LifecycleSettings? = LifecycleSettings()

        /// Keys for local development, used when none are given; documented, so never for data
        /// that matters.
        public static let developmentCredentials = Credentials(accessKey: "mssadmin", secretKey: "mssadmin-secret")

        public init(
            dataDirectory: String, address: String = "127.0.0.1", port: Int = 9000, imagePort: Int? = nil,
            credentials: [Credentials] = [developmentCredentials]
        ) {
            self.dataDirectory = dataDirectory
            self.address = address
            self.port = port
            self.imagePort = imagePort
            self.credentials = credentials
        }
    }

    public let configuration: Configuration
    let store: ObjectStore
    let logger: Logger

    /// Opens the data directory (creating it) and loads its index.
    public init(configuration: Configuration, logger: Logger = Logger(label: "mss-server")) async throws {
        var accessKeys: Set<String> = []
        for accessKey in configuration.credentials.map(\.accessKey) + configuration.users.map(\.accessKey) {
            guard accessKeys.insert(accessKey).inserted else {
                throw UsersFileError(message: "the access key \(accessKey) is given twice")
            }
        }
        self.configuration = configuration
        self.logger = logger
        store = try await ObjectStore(path: configuration.dataDirectory, logger: logger, answerCacheSize: configuration.objectCacheSize)
    }

    /// Serves until SIGINT or SIGTERM, then finishes requests in flight and returns.
    /// `onListening` receives the bound S3 port, `onImageListening` the image port when the image
    /// service runs.
    public func run(
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onImageListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let users = configuration.credentials.map { ServerUser(credentials: $0) } + configuration.users
        var handler = S3Handler(store: store, authenticator: Authenticator(keys: AccessKeys(users: users)), logger: logger)
        handler.virtualHostDomains = configuration.virtualHostDomains
        handler.lifecycleSchedule = LifecycleSchedule(dayLength: configuration.lifecycle?.dayLength)
        #if ImageService
        if configuration.imagePort != nil, configuration.imageCacheSize > 0 {
            handler.imageCache = try await ImageVariantCache(
                directory: store.root.appendingPathComponent(".mss/image-cache").path, capacity: configuration.imageCacheSize)
        }
        #endif
        let storage = handler
        // The console answers `/_console/` on the S3 port only; it learns the image port once bound.
        var storageHandler = storage
        let console = configuration.console.map {
            Console(settings: $0, users: users, imagePort: configuration.imagePort, logger: logger)
        }
        storageHandler.console = console
        let onImageListening: @Sendable (Int) async -> Void = { port in
            console?.imageServiceListening(on: port)
            await onImageListening(port)
        }
        let fastReads = FastReads(answers: store.answers, authenticator: storage.authenticator, domains: configuration.virtualHostDomains)
        var services: [any Service] = [
            application(storageHandler, port: configuration.port, fastReads: fastReads, onListening: onListening)
        ]
        #if ImageService
        var renderPool: RenderPool?
        if let imagePort = configuration.imagePort {
            var imageHandler = storage
            imageHandler.service = .image
            imageHandler.imageRenderer = try ImageRenderer(limits: .init(renderTimeout: configuration.renderTimeout))
            let pool = RenderPool(threads: configuration.renderThreads, queueLimit: configuration.renderQueueLimit)
            imageHandler.renderPool = pool
            renderPool = pool
            services.append(application(imageHandler, port: imagePort, fastReads: nil, onListening: onImageListening))
        }
        #else
        if configuration.imagePort != nil {
            throw ImageServiceUnavailable()
        }
        #endif
        if store.log != nil {
            services.append(PackCompactionService(store: store, interval: .seconds(60), logger: logger))
        }
        if let lifecycle = configuration.lifecycle {
            let worker = LifecycleWorker(store: store, settings: lifecycle, logger: logger)
            services.append(LifecycleService(worker: worker, interval: lifecycle.interval))
        }
        // One group for both listeners: one signal handler stops both, and if either fails to
        // start or stops with an error, the other is shut down too.
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        do {
            try await group.run()
        } catch {
            #if ImageService
            try? await renderPool?.shutdown()
            #endif
            // The index is left marked in use: the next start rebuilds it from the files.
            throw error
        }
        #if ImageService
        try await renderPool?.shutdown()
        #endif
        // Every request has ended: the index can be made durable and trusted by the next start.
        do {
            try await store.close()
        } catch {
            logger.error(
                "the store could not be closed cleanly; the next start replays its write-ahead log and rebuilds the index from the files",
                metadata: ["error": "\(error)"])
        }
    }

    private func application(
        _ handler: S3Handler, port: Int, fastReads: FastReads?, onListening: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        Application(
            responder: handler,
            server: .s3HTTP1(
                configuration: .init(
                    additionalChannelHandlers: [ExpectContinueHandler()], idleTimeout: TimeAmount(configuration.idleTimeout)),
                fastReads: fastReads),
            configuration: .init(
                address: .hostname(configuration.address, port: port), serverName: "mss-server",
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections, logger: logger)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger.deferringMetadata)
    }
}

#if !ImageService
/// An image port asked of a server built without the `ImageService` trait.
public struct ImageServiceUnavailable: Error, CustomStringConvertible {
    public var description: String {
        "this mss-server was built without the image service (the ImageService package trait); run it without --image-port"
    }
}
#endif
