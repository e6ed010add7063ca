import ArgumentParser
import Foundation
import MSSServerLauncher

struct ServerCommand: AsyncParsableCommand, ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run mss-server in the foreground (by default the embedded one: ~/.mss/data, its keys, ports 9000/9001).",
        discussion: """
            While it runs, other mss commands with nothing configured use it. --stop stops an embedded server that \
            mss started in the background; --status says whether one runs.
            """)

    @OptionGroup var options: ServerOptions

    @Flag(name: .long, help: "Stop the embedded server running in the background.")
    var stop = false

    @Flag(name: .long, help: "Say whether the embedded server runs, and where.")
    var status = false

    @Flag(name: .long, help: "With --stop or --status: the answer as one JSON object.")
    var json = false

    var output: Output { Output(json: json, quiet: false, debug: false) }

    func run() async throws {
        let home = MSSHome()
        let embedded = EmbeddedServer(home: home)
        if stop {
            switch await embedded.stop() {
            case .stopped: output.result("stopped the local mss-server", ["stopped": .bool(true)])
            case .notRunning: output.result("no local mss-server was running", ["stopped": .bool(false)])
            case .stranger(let state):
                let reason = EmbeddedServer.strangerDescription(state)
                output.result("no local mss-server was running: \(reason), so it was not signalled", ["stopped": .bool(false), "reason": .string(reason)])
            }
            return
        }
        if status {
            switch await embedded.probe() {
            case .ours(let state):
                let endpoint = "http://127.0.0.1:\(state.port)"
                let imageEndpoint = state.imagePort.map { "http://127.0.0.1:\($0)" }
                let console = state.console == true ? endpoint + "/_console/" : nil
                output.result(
                    "the local mss-server runs: \(endpoint)" + (imageEndpoint.map { ", image service \($0)" } ?? "")
                        + (console.map { ", web console \($0)" } ?? "") + " (pid \(state.pid), data \(home.dataDirectory.path))",
                    ["running": .bool(true), "endpoint": .string(endpoint), "imageEndpoint": .optional(imageEndpoint),
                     "console": .optional(console), "pid": .int(Int64(state.pid)), "data": .string(home.dataDirectory.path)])
            case .stranger(let state):
                let reason = EmbeddedServer.strangerDescription(state)
                output.result("no local mss-server runs: \(reason)", ["running": .bool(false), "reason": .string(reason)])
            case .none:
                output.result("no local mss-server runs", ["running": .bool(false)])
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
            dataDirectory: home.dataDirectory.path, credentials: try embedded.credentials(), stateFile: home.embeddedState.path,
            credentialsFile: home.embeddedCredentials.path))
    }
}

extension ServerOptions {
    /// Whether no data directory was chosen, so the embedded one (and its keys) apply.
    var usesEmbeddedData: Bool {
        data == nil && ProcessInfo.processInfo.environment["MSS_SERVER_DATA"] == nil
    }
}
