import AsyncHTTPClient
import Dispatch
import Foundation
import Logging
import MSS
import MSSServer
import S3Protocol
import NIOCore
import Synchronization
import Testing
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One S3 server, reached with one signature version.
///
/// The test script describes its servers in `MSS_TEST_SERVERS`, space-separated entries of
/// `name|http://host:port|accessKey|secretKey|strict-or-lax`. `strict` servers verify every
/// signature (Ceph RGW, mss-server); `lax` ones accept anything (moto), so auth failure cases
/// only run against strict ones. When the variable is unset or blank (a plain `swift test`),
/// the one server is an mss-server started in this process (``InProcessServer``), named `mss`.
struct TestTarget: Sendable, CustomTestStringConvertible {
    var server: String
    var host: String
    var port: Int
    var accessKey: String
    var secretKey: String
    var verifiesSignatures: Bool
    var signatureVersion: SignatureVersion

    var testDescription: String {
        switch signatureVersion {
        case .v2: "\(server)-sigv2"
        case .v4: "\(server)-sigv4"
        }
    }

    static let all: [TestTarget] =
        InProcessServer.isDefault ? InProcessServer.targets : parse(ProcessInfo.processInfo.environment["MSS_TEST_SERVERS"] ?? "")
    static let strict: [TestTarget] = all.filter(\.verifiesSignatures)
    /// The data directory of the `mss` target, to check what reaches its disk: the in-process
    /// server's, or the one the test script names in `MSS_TEST_MSS_DATA`.
    static let mssDataDirectory: String? = {
        if InProcessServer.isDefault { return InProcessServer.dataDirectory }
        let named = ProcessInfo.processInfo.environment["MSS_TEST_MSS_DATA"] ?? ""
        return named.isEmpty ? nil : named
    }()
    /// Set by the test script so that a run without servers fails instead of skipping.
    static let required = ProcessInfo.processInfo.environment["MSS_TEST_REQUIRE_SERVERS"] == "1"

    /// The image server of the image-service tests, as `MSS_TEST_IMAGE_SERVER` gives it
    /// (`http://host:s3port|http://host:imageport|accessKey|secretKey`); without the variable,
    /// the in-process server's image port when that server is the default, else nothing.
    static let imageServer: String = {
        if let described = ProcessInfo.processInfo.environment["MSS_TEST_IMAGE_SERVER"], !described.isEmpty { return described }
        guard InProcessServer.isDefault, case .success(let ports) = InProcessServer.started, let image = ports.image else { return "" }
        return "http://127.0.0.1:\(ports.storage)|http://127.0.0.1:\(image)|\(InProcessServer.accessKey)|\(InProcessServer.secretKey)"
    }()

    static func parse(_ text: String) -> [TestTarget] {
        var targets: [TestTarget] = []
        for entry in text.split(separator: " ") {
            let parts = entry.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, let url = URL(string: parts[1]), let host = url.host, let port = url.port else {
                continue
            }
            for version in [SignatureVersion.v2, .v4(region: "us-east-1")] {
                targets.append(
                    TestTarget(
                        server: parts[0], host: host, port: port, accessKey: parts[2], secretKey: parts[3],
                        verifiesSignatures: parts[4] == "strict", signatureVersion: version))
            }
        }
        return targets
    }

    func connection(secretKey: String? = nil, retry: RetryPolicy = RetryPolicy()) throws -> S3Connection {
        try S3Connection(
            accessKey: accessKey, secretKey: secretKey ?? self.secretKey, host: host, port: port,
            signatureVersion: signatureVersion, retry: retry)
    }

    func anonymousConnection() throws -> S3Connection {
        try S3Connection(
            credentials: .anonymous,
            configuration: .init(host: host, port: port, signatureVersion: signatureVersion))
    }

    /// Runs `body` with a connection (this target's default one unless `made` is given) and a
    /// fresh bucket whose name holds `tag`, then empties and deletes the bucket and closes the
    /// connection, whether `body` succeeded or not.
    func withBucket(tag: String = "t", connection made: S3Connection? = nil, _ body: (S3Connection, Bucket) async throws -> Void) async throws {
        let connection = try made ?? connection()
        do {
            let bucket = try await connection.createBucket(uniqueBucketName(tag))
            do {
                try await body(connection, bucket)
            } catch {
                await cleanUp(bucket)
                throw error
            }
            await cleanUp(bucket)
        } catch {
            try? await connection.shutdown()
            throw error
        }
        try await connection.shutdown()
    }

    func withConnection(_ body: (S3Connection) async throws -> Void) async throws {
        let connection = try connection()
        do {
            try await body(connection)
        } catch {
            try? await connection.shutdown()
            throw error
        }
        try await connection.shutdown()
    }

    /// Deletes every object, upload and the bucket itself; errors are left to the next run's
    /// unique names.
    func cleanUp(_ bucket: Bucket) async {
        if let uploads = try? await bucket.multipartUploads() {
            for upload in uploads {
                try? await MultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID).cancel()
            }
        }
        if let keys = try? await bucket.allKeys() {
            _ = try? await bucket.deleteKeys(keys.map(\.key))
        }
        // A bucket that was ever versioned is empty only without its old versions and markers.
        if let versions = try? await bucket.allVersions(), !versions.isEmpty {
            _ = try? await bucket.deleteObjects(versions.map { .init(key: $0.key, versionID: $0.versionID) })
        }
        try? await bucket.delete()
    }

    func uniqueBucketName(_ tag: String = "t") -> String {
        let version = if case .v2 = signatureVersion { "v2" } else { "v4" }
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "mss-\(tag)-\(version)-\(random)"
    }
}

/// Targets for parameterised tests; one that fails when servers were required but none came.
enum Targets {
    static var all: [TestTarget] { TestTarget.all }
    static var strict: [TestTarget] { TestTarget.strict }
}

/// A plain HTTP client that knows nothing of S3 signing, for fetching presigned URLs.
enum PlainHTTP {
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    static func request(_ url: URL, method: String = "GET", body: Data? = nil, headers: [String: String] = [:])
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return Answer(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }
}

/// Files in a temporary directory, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "mss-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `size` pseudo-random bytes (deterministic for `seed`) and returns the path.
    func makeFile(_ name: String, size: Int, seed: UInt64 = 1) throws -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        var generator = SeededGenerator(seed: seed)
        var remaining = size
        while remaining > 0 {
            let count = min(remaining, 1 << 20)
            var chunk = [UInt8](repeating: 0, count: count)
            for index in stride(from: 0, to: count, by: 8) {
                var word = generator.next()
                withUnsafeBytes(of: &word) { raw in
                    for offset in 0..<min(8, count - index) { chunk[index + offset] = raw[offset] }
                }
            }
            try handle.write(contentsOf: chunk)
            remaining -= count
        }
        try handle.close()
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func md5Hex(ofFile path: String) throws -> String {
    Digests.md5Hex(try Data(contentsOf: URL(fileURLWithPath: path)))
}

// MARK: The in-process server

/// The mss-server a plain `swift test` runs the client against: started in this process on
/// 127.0.0.1 with ports chosen by the system, a fresh data directory, strict authentication, fixed
/// keys, the two extra users of ``TestUser/mss`` and, when the package is built with the
/// `ImageService` trait, the image service. It starts the first time a test asks for targets,
/// only when `MSS_TEST_SERVERS` is unset or blank (and servers are not required), and serves
/// until the process exits; the data directory is removed at exit.
///
/// Tests ask for targets synchronously (`@Test(arguments:)`), possibly on every thread of
/// Swift's cooperative pool at once: the first one to ask blocks until the server reports its
/// ports, and the others block behind it in the static initializer. So nothing the server does
/// to start may need a cooperative thread: it runs as a task whose executor preference is a
/// thread of its own (``ServerThreadExecutor``), which its child tasks and the default actors it
/// calls (the object store, Hummingbird's server) inherit; NIO's event loops and thread pool do
/// the I/O. The unstructured tasks of ServiceLifecycle and Hummingbird, which would run on the
/// pool, are only made when shutting down, and the store's only once it serves requests.
enum InProcessServer {
    static let accessKey = "MSSINPROCESSKEY0001"
    static let secretKey = "mss-in-process-secret-0001"
    /// The extra users, for the two-user access-control tests; the script's `--users` file
    /// gives its mss-server two such users.
    static let users = [
        TestUser(accessKey: "MSSUSERTWO0001", secretKey: "mss-in-process-user-two-0001"),
        TestUser(accessKey: "MSSUSERTHREE001", secretKey: "mss-in-process-user-three-0001"),
    ]
    /// Seconds the first test that asks waits for the server's ports.
    static let startupTimeout = 60

    struct Ports: Sendable {
        var storage: Int
        var image: Int?
    }

    struct StartupFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// True when the environment names no server, so the tests run against this one. Not when
    /// the script requires its servers (`MSS_TEST_REQUIRE_SERVERS=1`): their absence then fails
    /// the run, as it always did.
    static let isDefault = !TestTarget.required
        && (ProcessInfo.processInfo.environment["MSS_TEST_SERVERS"] ?? "").allSatisfy { $0 == " " || $0 == "\t" }

    /// The server's ports once it listens; started on first use.
    static let started: Result<Ports, StartupFailure> = start()

    /// The server with each signature version, or nothing when it failed to start
    /// (``InProcessServerTests`` then fails).
    static var targets: [TestTarget] {
        guard case .success(let ports) = started else { return [] }
        return TestTarget.parse("mss|http://127.0.0.1:\(ports.storage)|\(accessKey)|\(secretKey)|strict")
    }

    static let dataDirectory = NSTemporaryDirectory() + "mss-in-process-" + UUID().uuidString

    /// What the server's callbacks report, and the semaphore that wakes the thread waiting for it.
    private final class Progress: Sendable {
        struct State: Sendable {
            var storage: Int?
            var image: Int?
            var failure: String?
            var reported = false
        }

        let state = Mutex(State())
        let done = DispatchSemaphore(value: 0)
        let wantsImage: Bool

        init(wantsImage: Bool) { self.wantsImage = wantsImage }

        /// Records a change; wakes the waiting thread once the ports are known or startup failed.
        func report(_ change: (inout State) -> Void) {
            let wake = state.withLock { state in
                change(&state)
                let complete = state.failure != nil || (state.storage != nil && (!wantsImage || state.image != nil))
                guard complete, !state.reported else { return false }
                state.reported = true
                return true
            }
            if wake { done.signal() }
        }
    }

    private static func start() -> Result<Ports, StartupFailure> {
        #if ImageService
        let imagePort: Int? = 0
        #else
        let imagePort: Int? = nil
        #endif
        let wantsImage = imagePort != nil
        var configuration = MSSServer.Configuration(
            dataDirectory: dataDirectory, address: "127.0.0.1", port: 0, imagePort: imagePort,
            credentials: [Credentials(accessKey: accessKey, secretKey: secretKey)])
        configuration.users = users.map {
            ServerUser(credentials: Credentials(accessKey: $0.accessKey, secretKey: $0.secretKey), displayName: "Test user \($0.accessKey)")
        }
        var logger = Logger(label: "mss-server.in-process")
        logger.logLevel = .warning

        let progress = Progress(wantsImage: wantsImage)
        atexit { try? FileManager.default.removeItem(atPath: InProcessServer.dataDirectory) }
        Task.detached(executorPreference: ServerThreadExecutor(name: "mss-in-process")) {
            do {
                let server = try await MSSServer(configuration: configuration, logger: logger)
                try await server.run(
                    onListening: { port in progress.report { $0.storage = port } },
                    onImageListening: { port in progress.report { $0.image = port } })
                // run returns after SIGINT or SIGTERM, which it traps for the whole process: end
                // the process as the signal would have, rather than leave the tests without a server.
                stopped("a signal stopped it", exitBySignal: true)
            } catch {
                progress.report { $0.failure = "\(error)" }
                stopped("it failed: \(error)", exitBySignal: false)
            }
        }

        if progress.done.wait(timeout: .now() + .seconds(startupTimeout)) == .timedOut {
            progress.report { $0.failure = "it did not report its ports within \(startupTimeout) s" }
        }
        let state = progress.state.withLock { $0 }
        guard state.failure == nil, let storage = state.storage else {
            let failure = StartupFailure(
                description: "the in-process mss-server (data in \(dataDirectory)) did not start: \(state.failure ?? "no port")")
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            return .failure(failure)
        }
        return .success(Ports(storage: storage, image: state.image))
    }

    /// The server stopped; when a signal stopped it, ends the process with that default action.
    private static func stopped(_ why: String, exitBySignal: Bool) {
        FileHandle.standardError.write(Data("the in-process mss-server stopped: \(why)\n".utf8))
        guard exitBySignal else { return }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        kill(getpid(), SIGTERM)
    }
}

/// A task executor that runs every job on one thread of its own, which does nothing else: the
/// in-process server's tasks never wait for Swift's cooperative pool.
final class ServerThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// `name` names the thread, for debuggers (Linux keeps 15 bytes of it).
    init(name: String) {
        let thread = Thread { [self] in runJobs() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() -> Never {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// Fails when the in-process server was wanted but did not start, rather than letting every
/// client test skip for want of a target.
@Suite struct InProcessServerTests {
    @Test func startsWhenNoServerIsNamed() {
        guard InProcessServer.isDefault else { return }
        if case .failure(let failure) = InProcessServer.started { Issue.record("\(failure)") }
        #expect(TestTarget.all.count == 2 && TestTarget.all.allSatisfy { $0.server == "mss" && $0.verifiesSignatures })
        #if ImageService
        #expect(!TestTarget.imageServer.isEmpty, "the in-process server runs no image service")
        #endif
    }
}
