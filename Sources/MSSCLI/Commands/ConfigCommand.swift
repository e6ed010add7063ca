import ArgumentParser
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Profiles of connection settings in ~/.mss/config.json (MSS_HOME moves it).",
        discussion: "Settings: \(Profile.keys.joined(separator: ", ")).",
        subcommands: [Set.self, Unset.self, List.self, Use.self])

    struct Set: AsyncParsableCommand, ReportingCommand {
        static let configuration = CommandConfiguration(abstract: "Set a setting of a profile (the current one unless --profile).")

        @Argument(help: "endpoint, access-key, secret-key, signature, region, image-endpoint or addressing")
        var key: String

        @Argument(help: "The value.")
        var value: String

        @Option(name: .long, help: "The profile to change.")
        var profile: String?

        @Flag(name: .long, help: "Say what changed as one JSON object.")
        var json = false

        func run() async throws {
            try Profile.validate(key: key, value: value)
            let home = MSSHome()
            var file = try ProfileFile.load(from: home)
            let name = profile ?? file.current
            var entry = file.profiles[name] ?? Profile()
            entry[key] = value
            file.profiles[name] = entry
            try file.save(to: home)
            let shown = key == "secret-key" ? "********" : value
            output.result(
                "\(name): \(key) = \(shown)", ["profile": .string(name), "setting": .string(key), "value": .string(shown)])
        }
    }

    struct Unset: AsyncParsableCommand, ReportingCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a setting from a profile.")

        @Argument(help: "The setting.")
        var key: String

        @Option(name: .long, help: "The profile to change.")
        var profile: String?

        @Flag(name: .long, help: "Say what changed as one JSON object.")
        var json = false

        func run() async throws {
            guard Profile.keys.contains(key) else { throw CLIError.usage("unknown setting '\(key)'; known: \(Profile.keys.joined(separator: ", "))") }
            let home = MSSHome()
            var file = try ProfileFile.load(from: home)
            let name = profile ?? file.current
            guard var entry = file.profiles[name] else { throw CLIError.usage("there is no profile '\(name)'") }
            entry[key] = nil
            file.profiles[name] = entry
            try file.save(to: home)
            output.result(
                "\(name): \(key) removed", ["profile": .string(name), "setting": .string(key), "removed": .bool(true)])
        }
    }

    struct List: AsyncParsableCommand, ReportingCommand {
        static let configuration = CommandConfiguration(abstract: "Show the profiles (secret keys masked); * marks the current one.")

        @Flag(name: .long, help: "One JSON object per profile.")
        var json = false

        func run() async throws {
            let file = try ProfileFile.load(from: MSSHome())
            if file.profiles.isEmpty {
                output.note("no profiles: with nothing configured, mss uses the local mss-server (`mss config set endpoint URL` adds one)")
            }
            for (name, profile) in file.profiles.sorted(by: { $0.key < $1.key }) {
                var fields: [String: JSONValue] = ["profile": .string(name), "current": .bool(name == file.current)]
                var lines = ["\(name == file.current ? "*" : " ") \(name)"]
                for key in Profile.keys {
                    guard let value = profile[key] else { continue }
                    let shown = key == "secret-key" ? "********" : value
                    fields[key] = .string(shown)
                    lines.append("    \(key) = \(shown)")
                }
                output.result(lines.joined(separator: "\n"), fields)
            }
        }
    }

    struct Use: AsyncParsableCommand, ReportingCommand {
        static let configuration = CommandConfiguration(abstract: "Make a profile the current one.")

        @Argument(help: "The profile's name.")
        var profile: String

        @Flag(name: .long, help: "Say what changed as one JSON object.")
        var json = false

        func run() async throws {
            let home = MSSHome()
            var file = try ProfileFile.load(from: home)
            guard file.profiles[profile] != nil else {
                throw CLIError.usage("there is no profile '\(profile)'; `mss config set --profile \(profile) endpoint URL` makes one")
            }
            file.current = profile
            try file.save(to: home)
            output.result("now using profile \(profile)", ["profile": .string(profile), "current": .bool(true)])
        }
    }
}

extension ConfigCommand.Set { var output: Output { Output(json: json, quiet: false, debug: false) } }
extension ConfigCommand.Unset { var output: Output { Output(json: json, quiet: false, debug: false) } }
extension ConfigCommand.List { var output: Output { Output(json: json, quiet: false, debug: false) } }
extension ConfigCommand.Use { var output: Output { Output(json: json, quiet: false, debug: false) } }
