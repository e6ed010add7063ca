public import ArgumentParser
import Foundation
import Logging
import MSSServer
public import S3Protocol

/// The options of `mss-server` and `mss server`, and starting the server from them.
public struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (created if missing). `mss server` defaults to the embedded one.")
    public var data: String?

    @Option(name: .long, help: "The address to listen on.")
    var address: String?

    @Option(name: .long, help: "The S3 port; 0 picks a free one.")
    var port: Int?

    @Option(name: .customLong("image-port"), help: "The image service port (GET /bucket/key@process); default the S3 port + 1, or a free one when that is 0.")
    var imagePort: Int?

    @Flag(name: .customLong("no-image-service"), help: "Run the S3 API only.")
    var noImageService = false

    @Option(name: .customLong("render-threads"), help: "Threads rendering images, apart from file I/O (default: the core count).")
    var renderThreads: Int?

    @Option(name: .customLong("render-queue"), help: "Renders that may wait for a render thread; past them the image port answers 503 SlowDown (default 16).")
    var renderQueue: Int?

    @Option(
        name: .customLong("image-cache-size"),
        help: ArgumentHelp(
            "How much disk the cache of rendered images may take under the data directory: bytes, or with K, M, G or T (powers of 1024); 0 turns it off (default 1G).",
            valueName: "SIZE"))
    var imageCacheSize: String?

    @Option(
        name: .customLong("object-cache-size"),
        help: ArgumentHelp(
            "How much memory answers of plain GETs and HEADs may take, given again without reading the disk: bytes, or with K, M, G or T; 0 turns it off (default 64M).",
            valueName: "SIZE"))
    var objectCacheSize: String?

    @Option(name: .customLong("render-timeout"), help: ArgumentHelp("How long one render may take before it is stopped and answered 400 (default 10).", valueName: "SECONDS"))
    var renderTimeout: Double?

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close a connection that sends nothing for this long, mid-request or between requests (default 60).", valueName: "SECONDS"))
    var idleTimeout: Double?

    @Option(name: .customLong("max-connections"), help: "Connections served at once on each port; more wait to be accepted (default 1024).")
    var maxConnections: Int?

    @Option(name: .customLong("access-key"), help: "The access key clients sign with.")
    var accessKey: String?

    @Option(name: .customLong("secret-key"), help: "The secret key clients sign with.")
    var secretKey: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "More users, one a line: ACCESS_KEY SECRET_KEY [DISPLAY NAME] ('#' starts a comment). Each owns the buckets it creates; ACLs grant access to others. The file must not be readable by group or others (chmod 600).",
            valueName: "FILE"))
    var users: String?

    @Option(
        name: .customLong("domain"),
        help: ArgumentHelp(
            "Also address buckets virtual-host style: a request to BUCKET.DOMAIN (e.g. --domain localhost for photos.localhost:9000) goes to bucket BUCKET. Repeatable; path style always works.",
            valueName: "DOMAIN"))
    var domains: [String] = []

    @Flag(name: .customLong("no-console"), help: "Serve no web console (by default it is at http://ADDRESS:PORT/_console/, behind the server's keys).")
    var noConsole = false

    /// How long a console sign-in lasts; short values are for tests.
    @Option(name: .customLong("console-session-lifetime"), help: .hidden)
    var consoleSessionLifetime: Double?

    @Option(
        name: .customLong("lifecycle-interval"),
        help: ArgumentHelp("Time between two scans applying bucket lifecycle rules; the first runs at start (default 3600).", valueName: "SECONDS"))
    var lifecycleInterval: Double?

    @Option(
        name: .customLong("lifecycle-day-length"),
        help: ArgumentHelp(
            "How long one lifecycle day lasts, for tests and demos; due times are then not rounded to midnight UTC (default 86400: real days, rounded as S3 does).",
            valueName: "SECONDS"))
    var lifecycleDayLength: Double?

    @Flag(name: .customLong("no-lifecycle"), help: "Store lifecycle configurations but apply none.")
    var noLifecycle = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(
        name: .long, help: ArgumentHelp(
            "Check the data directory DIR without changing it or starting the server; exit status 1 when it has problems.",
            valueName: "DIR"))
    var check: String?

    /// Where to record the pid and bound ports once listening, for `mss` to find the server.
    @Option(name: .customLong("state-file"), help: .hidden)
    var stateFile: String?

    public init() {}

    /// What `run` falls back to when neither options nor environment say.
    public struct Defaults: Sendable {
        public var dataDirectory: String?
        public var credentials: Credentials?
        public var port = 9000
        public var stateFile: String?
        /// Where `credentials` are kept, named in the banner so the console can be signed in to.
        public var credentialsFile: String?

        public init(
            dataDirectory: String? = nil, credentials: Credentials? = nil, port: Int = 9000, stateFile: String? = nil,
            credentialsFile: String? = nil
        ) {
            self.dataDirectory = dataDirectory
            self.credentials = credentials
            self.port = port
            self.stateFile = stateFile
            self.credentialsFile = credentialsFile
        }
    }

    /// Resolves options and environment, prints the banner and serves until SIGINT or SIGTERM;
    /// the data directory must be given (`mss-server`).
    public func run() async throws {
        try await run(defaults: Defaults())
    }

    /// The same, falling back on `defaults` (`mss server`: the embedded data and keys).
    public func run(defaults: Defaults) async throws {
        if let check {
            let report = try StoreCheckReport(dataDirectory: check)
            FileHandle.standardOutput.write(Data(report.description.utf8))
            if !report.isClean { throw ExitCode(1) }
            return
        }
        let environment = ProcessInfo.processInfo.environment
        guard let dataDirectory = data ?? environment["MSS_SERVER_DATA"] ?? defaults.dataDirectory else {
            throw ValidationError("give the data directory with --data DIR (or MSS_SERVER_DATA)")
        }
        let accessKey = self.accessKey ?? environment["MSS_ACCESS_KEY"]
        let secretKey = self.secretKey ?? environment["MSS_SECRET_KEY"]
        let credentials: Credentials
        let usingDevelopmentKeys: Bool
        switch (accessKey, secretKey) {
        case let (access?, secret?):
            guard !access.isEmpty, secret.utf8.count >= 8 else {
                throw ValidationError("the access key must not be empty and the secret key needs at least 8 characters")
            }
            credentials = Credentials(accessKey: access, secretKey: secret)
            usingDevelopmentKeys = false
        case (nil, nil):
            credentials = defaults.credentials ?? MSSServer.Configuration.developmentCredentials
            usingDevelopmentKeys = defaults.credentials == nil
        default:
            throw ValidationError("give both --access-key and --secret-key, or neither")
        }
        let portText = environment["MSS_SERVER_PORT"]
        guard let port = port ?? (portText.map { Int($0) } ?? defaults.port), (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        var imagePort: Int?
        #if !ImageService
        // Built without the ImageService trait: no image port unless one is asked for by name.
        if self.imagePort != nil || environment["MSS_SERVER_IMAGE_PORT"] != nil {
            throw ValidationError("this mss-server was built without the image service (the ImageService package trait): --image-port cannot be used")
        }
        let servesImages = false
        #else
        let servesImages = !noImageService
        #endif
        if servesImages {
            let imagePortText = environment["MSS_SERVER_IMAGE_PORT"]
            guard let chosen = self.imagePort ?? (imagePortText.map { Int($0) } ?? (port == 0 ? 0 : port + 1)), (0...65535).contains(chosen)
            else {
                throw ValidationError("the image port must be a number from 0 to 65535")
            }
            imagePort = chosen
        }
        let address = self.address ?? environment["MSS_SERVER_ADDRESS"] ?? "127.0.0.1"
        var logger = Logger(label: "mss-server")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        var configuration = MSSServer.Configuration(
            dataDirectory: dataDirectory, address: address, port: port, imagePort: imagePort, credentials: [credentials])
        if let usersPath = users {
            do {
                configuration.users = try UsersFile.load(path: usersPath)
            } catch {
                throw ValidationError(error.description)
            }
            if let clash = configuration.users.first(where: { $0.accessKey == credentials.accessKey }) {
                throw ValidationError("users file \(usersPath): the access key \(clash.accessKey) is also the --access-key user's")
            }
        }
        if let renderThreads {
            guard (1...1024).contains(renderThreads) else { throw ValidationError("--render-threads must be 1 to 1024") }
            configuration.renderThreads = renderThreads
        }
        if let renderQueue {
            guard (0...100_000).contains(renderQueue) else { throw ValidationError("--render-queue must be 0 to 100000") }
            configuration.renderQueueLimit = renderQueue
        }
        if let idleTimeout { configuration.idleTimeout = try Self.duration(idleTimeout, "--idle-timeout", atMost: 86_400) }
        if let maxConnections {
            guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1 to 1000000") }
            configuration.maximumConnections = maxConnections
        }
        if let renderTimeout { configuration.renderTimeout = try Self.duration(renderTimeout, "--render-timeout", atMost: 3600) }
        if let imageCacheSize {
            guard let bytes = Self.size(imageCacheSize) else {
                throw ValidationError("--image-cache-size must be a number of bytes, or one with K, M, G or T (such as 512M or 2G)")
            }
            configuration.imageCacheSize = bytes
        }
        if let objectCacheSize {
            // Memory, not disk: more than a terabyte is surely a typo.
            guard let bytes = Self.size(objectCacheSize), bytes <= 1 << 40 else {
                throw ValidationError("--object-cache-size must be a number of bytes up to 1T, or one with K, M, G or T (such as 256M)")
            }
            configuration.objectCacheSize = Int(bytes)
        }
        for domain in domains {
            let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
            guard !labels.isEmpty, labels.count <= 127, domain.utf8.count <= 253,
                labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
            else { throw ValidationError("--domain \(domain.debugDescription) is not a host name") }
        }
        configuration.virtualHostDomains = domains
        if noLifecycle {
            configuration.lifecycle = nil
        } else {
            if let lifecycleInterval {
                configuration.lifecycle?.interval = try Self.duration(lifecycleInterval, "--lifecycle-interval", atMost: 7 * 86_400)
            }
            // 86400 is a real day: S3's rounding to midnight UTC then applies.
            if let lifecycleDayLength, lifecycleDayLength != 86_400 {
                configuration.lifecycle?.dayLength = try Self.duration(lifecycleDayLength, "--lifecycle-day-length", atMost: 86_400)
            }
        }
        if noConsole {
            configuration.console = nil
        } else {
            if let consoleSessionLifetime {
                configuration.console?.sessionLifetime = try Self.duration(consoleSessionLifetime, "--console-session-lifetime", atMost: 7 * 86_400)
            }
            // Recording a state file is what makes it the server `mss` finds with nothing configured.
            configuration.console?.isEmbeddedServer = (stateFile ?? defaults.stateFile) != nil
        }
        let consoleRuns = configuration.console != nil
        let userCount = configuration.users.count
        let moreUsers = userCount == 0 ? "" : "  (and \(userCount) more user\(userCount == 1 ? "" : "s") from --users)"
        let server = try await MSSServer(configuration: configuration, logger: logger)
        let host = address.contains(":") ? "[\(address)]" : address
        let state = ServerStateRecorder(path: stateFile ?? defaults.stateFile, expectsImagePort: imagePort != nil, console: consoleRuns)
        try await server.run(
            onListening: { bound in
                var banner = """
                    mss-server is running.
                      S3 API:     http://\(host):\(bound)
                      Data:       \(URL(fileURLWithPath: dataDirectory).standardizedFileURL.path)
                      AccessKey:  \(credentials.accessKey)\(moreUsers)

                    """
                if usingDevelopmentKeys {
                    banner += """
                          SecretKey:  \(credentials.secretKey)
                          (development keys: set --access-key and --secret-key for anything that matters)

                        """
                } else if accessKey == nil, let file = defaults.credentialsFile {
                    banner += "  SecretKey:  (in \(file))\n"
                } else {
                    banner += "  SecretKey:  (as given)\n"
                }
                if consoleRuns {
                    banner += "  Console:    http://\(host):\(bound)/_console/  (sign in with these keys)\n"
                }
                // Written straight to the descriptor so a pipe reader sees it at once.
                FileHandle.standardOutput.write(Data(banner.utf8))
                state.record(port: bound)
            },
            onImageListening: { bound in
                FileHandle.standardOutput.write(Data("  Image:      http://\(host):\(bound)  (GET /bucket/key@process)\n".utf8))
                state.record(imagePort: bound)
            })
        state.remove()
    }

    /// `1073741824`, `512M`, `1G`, `1GiB`: bytes, at most 1 PiB; nil for anything else.
    static func size(_ text: String) -> Int64? {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        for suffix in ["IB", "B"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits = digits.dropLast(suffix.count)
            break
        }
        var shift: Int64 = 0
        if let unit = digits.last, let index = "KMGT".firstIndex(of: Character(unit.uppercased())) {
            shift = Int64("KMGT".distance(from: "KMGT".startIndex, to: index) + 1) * 10
            digits = digits.dropLast()
        }
        guard let value = S3Limits.decimal(digits), value <= (1 << 50) >> shift else { return nil }
        return value << shift
    }

    /// Seconds given on the command line as a `Duration`, checked before converting (a Double
    /// past Int64's range would trap).
    static func duration(_ seconds: Double, _ option: String, atMost limit: Double) throws -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= limit else {
            throw ValidationError("\(option) must be more than 0 and at most \(Int(limit)) seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }
}
