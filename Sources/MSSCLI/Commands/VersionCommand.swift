import ArgumentParser
import MSS

/// `mss version enable|suspend|status mss://bucket`: a bucket's versioning.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Turn a bucket's versioning on, suspend it, or show its state.",
        discussion: """
            With versioning on, every write keeps the object it replaces and rm leaves a delete marker instead of \
            removing anything: `mss ls --versions` lists what is kept, --version-id on cp, cat, stat and rm reaches it. \
            Versioning can be suspended but never turned off again.
            """,
        subcommands: [Enable.self, Suspend.self, Status.self])

    struct Enable: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(abstract: "Keep every version of every object from now on.")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await VersionCommand.set(enabled: true, path: path, global: global)
        }
    }

    struct Suspend: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop keeping new versions (writes replace the null version); the versions kept stay.")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await VersionCommand.set(enabled: false, path: path, global: global)
        }
    }

    struct Status: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether versioning is enabled, suspended or was never turned on.")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let location = try Location(path)
            let bucket = try VersionCommand.bucketName(location, "version status")
            try await Session.run(global) { session in
                let state = try await session.naming(location) { try await session.bucket(bucket).versioning() }
                let word = VersionCommand.word(state)
                session.output.result(
                    "mss://\(bucket): versioning \(word)",
                    ["type": .string("versioning"), "bucket": .string(bucket), "status": .string(word)])
            }
        }
    }

    static func word(_ state: BucketVersioning) -> String {
        switch state {
        case .enabled: "enabled"
        case .suspended: "suspended"
        case .unversioned: "unversioned"
        }
    }

    static func bucketName(_ location: Location, _ role: String) throws -> String {
        let (bucket, key) = try location.remote(role)
        guard key.isEmpty else { throw CLIError.usage("\(role) takes a bucket (mss://bucket), not a key") }
        return bucket
    }

    static func set(enabled: Bool, path: String, global: GlobalOptions) async throws {
        let location = try Location(path)
        let bucket = try bucketName(location, enabled ? "version enable" : "version suspend")
        try await Session.run(global) { session in
            try await session.naming(location) { try await session.bucket(bucket).setVersioning(enabled: enabled) }
            let word = enabled ? "enabled" : "suspended"
            session.output.result(
                "mss://\(bucket): versioning \(word)",
                ["type": .string("versioning"), "bucket": .string(bucket), "status": .string(word)])
        }
    }
}
