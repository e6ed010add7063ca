import Foundation
import MSSServerLauncher
import MSS
import S3Protocol

#if canImport(Glibc)
import Glibc
#endif

/// The local mss-server `mss` uses when nothing else is configured: one per `MSS_HOME`, over its
/// `data/` directory, with keys made on first use. An already running one is reused; otherwise
/// this process starts one in the background (its own process group, so Ctrl-C on a command does
/// not stop it) and waits for it to record its ports.
struct EmbeddedServer {
    static let preferredPort = 9000

    let home: MSSHome

    struct Endpoint: Sendable {
        var port: Int
        var imagePort: Int?
        var credentials: Credentials
        var started: Bool
    }

    /// The keys of the embedded server, made (random, 0600) the first time.
    func credentials() throws -> Credentials {
        struct Stored: Codable { var accessKey: String; var secretKey: String }
        if let data = FileManager.default.contents(atPath: home.embeddedCredentials.path),
            let stored = try? JSONDecoder().decode(Stored.self, from: data)
        {
            return Credentials(accessKey: stored.accessKey, secretKey: stored.secretKey)
        }
        func random(_ count: Int, _ alphabet: String) -> String {
            let characters = Array(alphabet)
            return String((0..<count).map { _ in characters[Int.random(in: 0..<characters.count)] })
        }
        let stored = Stored(
            accessKey: "MSSLOCAL" + random(12, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            secretKey: random(40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try home.writePrivate(try encoder.encode(stored), to: home.embeddedCredentials)
        return Credentials(accessKey: stored.accessKey, secretKey: stored.secretKey)
    }

    /// The running server's ports, starting it first when none answers.
    func ensureRunning() async throws -> Endpoint {
        try home.ensurePrivateDirectory(home.embeddedDirectory)
        let credentials = try credentials()
        // One process at a time decides whether to start the server.
        let lock = open(home.embeddedLock.path, O_CREAT | O_RDWR, 0o600)
        guard lock >= 0 else { throw CLIError("cannot open \(home.embeddedLock.path)") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }

        switch await probe(credentials: credentials) {
        case .ours(let state):
            return Endpoint(port: state.port, imagePort: state.imagePort, credentials: credentials, started: false)
        case .stranger(let state):
            // Never reuse or signal it: start an own server, on another port when this one is taken.
            StandardStream.error.write("mss: \(Self.strangerDescription(state)); starting a new local mss-server\n")
        case .none:
            break
        }
        let preferred = PortProbe.isFree(Self.preferredPort) && PortProbe.isFree(Self.preferredPort + 1) ? Self.preferredPort : 0
        if let endpoint = try await start(port: preferred, credentials: credentials) { return endpoint }
        // The server of another MSS_HOME can take the preferred ports between the check and the
        // bind: then any free port will do.
        if preferred != 0, let endpoint = try await start(port: 0, credentials: credentials) { return endpoint }
        throw notStarted()
    }

    private func notStarted() -> CLIError {
        let tail = (try? String(contentsOf: home.embeddedLog, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
        return CLIError("the local mss-server did not start; its log (\(home.embeddedLog.path)) ends with:\n\(tail)")
    }

    /// Starts the server on `port` (0: any free one) and waits until it records its ports; nil
    /// when it ended first. One still running that has not recorded them within 20 s is an
    /// error: no second server may open the same data.
    private func start(port: Int, credentials: Credentials) async throws -> Endpoint? {
        try? FileManager.default.removeItem(at: home.embeddedState)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.ownExecutable())
        process.arguments = [
            "server", "--data", home.dataDirectory.path, "--port", String(port), "--image-port", String(port == 0 ? 0 : port + 1),
            "--log-level", "warning", "--state-file", home.embeddedState.path,
        ]
        // Keys go in the environment, which only this user can read, not in arguments `ps` shows.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MSS_SERVER_") }
        environment["MSS_ACCESS_KEY"] = credentials.accessKey
        environment["MSS_SECRET_KEY"] = credentials.secretKey
        process.environment = environment
        _ = FileManager.default.createFile(atPath: home.embeddedLog.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let log = try FileHandle(forWritingTo: home.embeddedLog)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if case .ours(let state) = await probe(credentials: credentials), state.pid == process.processIdentifier {
                return Endpoint(port: state.port, imagePort: state.imagePort, credentials: credentials, started: true)
            }
            if !process.isRunning { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw notStarted()
    }

    /// What the state file points at.
    enum Probe: Sendable, Equatable {
        /// Nothing runs there: no state, a dead pid or a free port.
        case none
        /// The recorded process answered on the recorded port and proved it holds the embedded keys.
        case ours(ServerState)
        /// Something answers on the recorded port but did not prove itself: not ours, whatever
        /// the recorded pid is now.
        case stranger(ServerState)
    }

    /// Reads the state file and checks that what answers on its port is this `mss`'s server
    /// (``ServerIdentity``) before anything is sent to it or its pid is signalled.
    func probe(credentials: Credentials? = nil) async -> Probe {
        guard let data = FileManager.default.contents(atPath: home.embeddedState.path),
            let state = try? JSONDecoder().decode(ServerState.self, from: data), state.pid > 0,
            (1...65535).contains(state.port), !PortProbe.isFree(state.port)
        else { return .none }
        // Signal 0 delivers nothing: it only asks whether the pid exists.
        guard kill(state.pid, 0) == 0, let keys = try? credentials ?? self.credentials() else { return .stranger(state) }
        return await IdentityCheck.proves(port: state.port, pid: state.pid, credentials: keys) ? .ours(state) : .stranger(state)
    }

    /// Why a recorded server is not used, in words.
    static func strangerDescription(_ state: ServerState) -> String {
        "port \(state.port), recorded for the local mss-server (pid \(state.pid)), is answered by something that did not prove it is that server"
    }

    /// What ``stop()`` did.
    enum StopOutcome: Sendable, Equatable {
        case stopped
        case notRunning
        /// The recorded port belongs to something else; it was not signalled and the stale state
        /// was removed.
        case stranger(ServerState)
    }

    /// Stops a running embedded server (SIGTERM, a graceful shutdown), only once it has proved it
    /// is ours.
    func stop() async -> StopOutcome {
        switch await probe() {
        case .none:
            return .notRunning
        case .stranger(let state):
            try? FileManager.default.removeItem(at: home.embeddedState)
            return .stranger(state)
        case .ours(let state):
            kill(state.pid, SIGTERM)
            for _ in 0..<100 where kill(state.pid, 0) == 0 {
                try? await Task.sleep(for: .milliseconds(50))
            }
            return .stopped
        }
    }

    static func ownExecutable() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") { return URL(fileURLWithPath: argument).standardizedFileURL.path }
        throw CLIError("cannot find the mss executable to start the local server")
    }
}

/// Whether a loopback TCP port is free, by trying to bind it.
enum PortProbe {
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }
}
