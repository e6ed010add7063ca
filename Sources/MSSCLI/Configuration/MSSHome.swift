import Foundation

/// Where `mss` keeps its files: `$MSS_HOME`, else `~/.mss`. Profiles in `config.json`; the
/// embedded server's data in `data/` and its keys, state and log in `embedded/`; resume records
/// of interrupted transfers in `resume/`.
struct MSSHome: Sendable {
    let root: URL

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let custom = environment["MSS_HOME"], !custom.isEmpty {
            root = URL(fileURLWithPath: custom, isDirectory: true)
        } else {
            root = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".mss", isDirectory: true)
        }
    }

    var configFile: URL { root.appendingPathComponent("config.json") }
    var dataDirectory: URL { root.appendingPathComponent("data", isDirectory: true) }
    var embeddedDirectory: URL { root.appendingPathComponent("embedded", isDirectory: true) }
    var embeddedCredentials: URL { embeddedDirectory.appendingPathComponent("credentials.json") }
    var embeddedState: URL { embeddedDirectory.appendingPathComponent("server.json") }
    var embeddedLog: URL { embeddedDirectory.appendingPathComponent("server.log") }
    var embeddedLock: URL { embeddedDirectory.appendingPathComponent("lock") }
    var resumeDirectory: URL { root.appendingPathComponent("resume", isDirectory: true) }

    /// Creates `directory` readable by the owner only: it holds secrets.
    func ensurePrivateDirectory(_ directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Writes `data` with mode 0600, replacing the file atomically.
    func writePrivate(_ data: Data, to url: URL) throws {
        try ensurePrivateDirectory(url.deletingLastPathComponent())
        let temporary = url.appendingPathExtension("\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(url.path)")
        }
        guard rename(temporary.path, url.path) == 0 else { throw CLIError("cannot write \(url.path)") }
    }
}
