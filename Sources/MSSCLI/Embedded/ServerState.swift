import Foundation

/// What a running server started for `mss` records about itself: who it is and where it listens.
struct ServerState: Codable, Sendable, Equatable {
    var pid: Int32
    var port: Int
    var imagePort: Int?
}

/// Writes the state file once every listener has reported its port, and removes it on shutdown.
final class ServerStateRecorder: @unchecked Sendable {
    private let path: String?
    private let expectsImagePort: Bool
    private let lock = NSLock()
    private var port: Int?
    private var imagePort: Int?

    init(path: String?, expectsImagePort: Bool) {
        self.path = path
        self.expectsImagePort = expectsImagePort
    }

    func record(port: Int) {
        lock.withLock { self.port = port }
        writeIfComplete()
    }

    func record(imagePort: Int) {
        lock.withLock { self.imagePort = imagePort }
        writeIfComplete()
    }

    private func writeIfComplete() {
        guard let path else { return }
        let state: ServerState? = lock.withLock {
            guard let port, !expectsImagePort || imagePort != nil else { return nil }
            return ServerState(pid: getpid(), port: port, imagePort: imagePort)
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
