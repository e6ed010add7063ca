import Foundation
import Synchronization

/// What a running server started for `mss` records about itself: who it is and where it listens.
public struct ServerState: Codable, Sendable, Equatable {
    public var pid: Int32
    public var port: Int
    public var imagePort: Int?
    /// Whether the web console answers at `/_console/` on the S3 port (absent in older records).
    public var console: Bool?

    public init(pid: Int32, port: Int, imagePort: Int?, console: Bool? = nil) {
        self.pid = pid
        self.port = port
        self.imagePort = imagePort
        self.console = console
    }
}

/// Writes the state file once every listener has reported its port, and removes it on shutdown.
final class ServerStateRecorder: Sendable {
    private let path: String?
    private let expectsImagePort: Bool
    private let console: Bool
    private let ports = Mutex<(port: Int?, imagePort: Int?)>((nil, nil))

    init(path: String?, expectsImagePort: Bool, console: Bool = false) {
        self.path = path
        self.expectsImagePort = expectsImagePort
        self.console = console
    }

    func record(port: Int) {
        ports.withLock { $0.port = port }
        writeIfComplete()
    }

    func record(imagePort: Int) {
        ports.withLock { $0.imagePort = imagePort }
        writeIfComplete()
    }

    private func writeIfComplete() {
        guard let path else { return }
        let state: ServerState? = ports.withLock { ports in
            guard let port = ports.port, !expectsImagePort || ports.imagePort != nil else { return nil }
            return ServerState(pid: getpid(), port: port, imagePort: ports.imagePort, console: console)
        }
        guard let state, let data = try? JSONEncoder().encode(state) else { return }
        // Written whole then renamed, so a reader never sees half a record.
        let temporary = path + ".\(getpid()).tmp"
        if FileManager.default.createFile(atPath: temporary, contents: data) {
            _ = rename(temporary, path)
        }
    }

    func remove() {
        guard let path, let data = FileManager.default.contents(atPath: path),
            let state = try? JSONDecoder().decode(ServerState.self, from: data), state.pid == getpid()
        else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
