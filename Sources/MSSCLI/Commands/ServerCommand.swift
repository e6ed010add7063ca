import ArgumentParser
import Foundation
import MSSServerLauncher

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run mss-server in the foreground (by default the embedded one: ~/.mss/data, its keys, ports 9000/9001).",
        discussion: """
            While it runs, other mss commands with nothing configured use it. --stop stops an embedded server that
            mss started in the background; --status says whether one runs.
            """)

    @OptionGroup var options: ServerOptions

    @Flag(name: .long, help: "Stop the embedded server running in the background.")
    var stop = false

    @Flag(name: .long, help: "Say whether the embedded server runs, and where.")
    var status = false

    func run() async throws {
        let home = MSSHome()
        let embedded = EmbeddedServer(home: home)
        if stop {
            switch await embedded.stop() {
            case .stopped: StandardStream.output.write("stopped the local mss-server\n")
            case .notRunning: StandardStream.output.write("no local mss-server was running\n")
            case .stranger(let state):
                StandardStream.output.write("no local mss-server was running: \(EmbeddedServer.strangerDescription(state)), so it was not signalled\n")
            }
            return
        }
        if status {
            switch await embedded.probe() {
            case .ours(let state):
                StandardStream.output.write("the local mss-server runs: http://127.0.0.1:\(state.port)" + (state.imagePort.map { ", image service http://127.0.0.1:\($0)" } ?? "") + " (pid \(state.pid), data \(home.dataDirectory.path))\n")
            case .stranger(let state):
                StandardStream.output.write("no local mss-server runs: \(EmbeddedServer.strangerDescription(state))\n")
            case .none:
                StandardStream.output.write("no local mss-server runs\n")
            }
            return
        }
        guard options.usesEmbeddedData else {
            try await options.run()
            return
        }
        if case .ours(let state) = await embedded.probe() {
            throw CLIError("the local mss-server already runs on http://127.0.0.1:\(state.port) (pid \(state.pid)); `mss server --stop` stops it")
        }
        try home.ensurePrivateDirectory(home.embeddedDirectory)
        try await options.run(defaults: .init(
            dataDirectory: home.dataDirectory.path, credentials: try embedded.credentials(), stateFile: home.embeddedState.path))
    }
}

extension ServerOptions {
    /// Whether no data directory was chosen, so the embedded one (and its keys) apply.
    var usesEmbeddedData: Bool {
        data == nil && ProcessInfo.processInfo.environment["MSS_SERVER_DATA"] == nil
    }
}
