import ArgumentParser
import MSS

/// `mss tag get|set|rm mss://bucket[/key] [KEY=VALUE ...]`: the tags of a bucket or an object
/// (of one version with `--version-id`).
struct TagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Show, set or remove the tags of a bucket or an object.",
        subcommands: [Get.self, Set.self, Remove.self])

    /// What a tag command names: a bucket, or a key with an optional version.
    struct Target {
        var bucket: String
        var key: String
        var versionID: String?

        init(_ path: String, versionID: String?, role: String) throws {
            (bucket, key) = try Location(path).remote(role)
            try Session.validate(versionID: versionID)
            if versionID != nil, key.isEmpty { throw CLIError.usage("--version-id takes mss://bucket/key") }
            self.versionID = versionID
        }

        var described: String { key.isEmpty ? "mss://\(bucket)" : "mss://\(bucket)/\(key)" }

        var fields: [String: JSONValue] {
            var fields: [String: JSONValue] = ["type": .string("tags"), "bucket": .string(bucket)]
            if !key.isEmpty { fields["key"] = .string(key) }
            if let versionID { fields["versionId"] = .string(versionID) }
            return fields
        }
    }

    struct Get: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Print the tags, one KEY=VALUE a line.")

        @Argument(help: "mss://bucket or mss://bucket/key")
        var path: String

        @Option(name: .customLong("version-id"), parsing: .unconditional, help: "The tags of this version of the object.")
        var versionID: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let target = try Target(path, versionID: versionID, role: "tag get")
            try await Session.run(global) { session in
                let bucket = session.bucket(target.bucket)
                let tags = target.key.isEmpty ? try await bucket.tags() : try await bucket.newKey(target.key).tags(versionID: target.versionID)
                var fields = target.fields
                fields["tags"] = .array(tags.map { .object(["Key": .string($0.key), "Value": .string($0.value)]) })
                session.output.result(tags.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"), fields)
                if tags.isEmpty { session.output.note("\(target.described) has no tags") }
            }
        }
    }

    struct Set: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Replace the tags with KEY=VALUE pairs (none removes them).")

        @Argument(help: "mss://bucket or mss://bucket/key")
        var path: String

        @Argument(help: "KEY=VALUE; a value may be empty (KEY=), a key may not.")
        var tags: [String] = []

        @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Tag this version of the object.")
        var versionID: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let target = try Target(path, versionID: versionID, role: "tag set")
            let set = try TagCommand.parse(tags)
            try await Session.run(global) { session in
                let bucket = session.bucket(target.bucket)
                if target.key.isEmpty {
                    try await bucket.setTags(set)
                } else {
                    try await bucket.newKey(target.key).setTags(set, versionID: target.versionID)
                }
                var fields = target.fields
                fields["action"] = .string("set")
                fields["count"] = .int(set.count)
                session.output.result("set \(set.count) tag(s) on \(target.described)", fields)
            }
        }
    }

    struct Remove: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove every tag.")

        @Argument(help: "mss://bucket or mss://bucket/key")
        var path: String

        @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Untag this version of the object.")
        var versionID: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let target = try Target(path, versionID: versionID, role: "tag rm")
            try await Session.run(global) { session in
                let bucket = session.bucket(target.bucket)
                if target.key.isEmpty {
                    try await bucket.deleteTags()
                } else {
                    try await bucket.newKey(target.key).deleteTags(versionID: target.versionID)
                }
                var fields = target.fields
                fields["action"] = .string("removed")
                session.output.result("removed the tags of \(target.described)", fields)
            }
        }
    }

    /// `KEY=VALUE` arguments as a tag set, in order; a repeated key is refused here rather than
    /// by the server.
    static func parse(_ arguments: [String]) throws -> TagSet {
        var seen: Swift.Set<String> = []
        var tags: [TagSet.Tag] = []
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "=") else { throw CLIError.usage("'\(argument)' is not KEY=VALUE") }
            let key = String(argument[..<eq])
            guard !key.isEmpty else { throw CLIError.usage("'\(argument)' has an empty key") }
            guard seen.insert(key).inserted else { throw CLIError.usage("tag '\(key)' is given twice") }
            tags.append(TagSet.Tag(key: key, value: String(argument[argument.index(after: eq)...])))
        }
        return TagSet(tags)
    }
}
