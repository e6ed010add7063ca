import ArgumentParser
import MSS

struct RemoveCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove an object, or with --recursive every object under a prefix (deleted 1,000 per request).")

    @Argument(help: "mss://bucket/key, or mss://bucket/prefix with --recursive")
    var path: String

    @Flag(name: [.short, .long], help: "Every object under the prefix.")
    var recursive = false

    @Flag(name: .customLong("dry-run"), help: "Say what would be removed, remove nothing.")
    var dryRun = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (bucketName, key) = try location.remote("rm")
        try await Session.run(global) { session in
            try await session.naming(location) {
                let bucket = session.bucket(bucketName)
                if recursive {
                    let count = try await Self.deleteAll(in: bucket, prefix: key, output: session.output, dryRun: dryRun)
                    if count == 0 { session.output.note("nothing under \(location)") }
                    return
                }
                guard !key.isEmpty else { throw CLIError.usage("rm takes mss://bucket/key; to remove a bucket use `mss rb`") }
                guard try await bucket.newKey(key).exists() else { throw CLIError("\(location) does not exist") }
                if !dryRun { try await bucket.deleteKey(key) }
                Self.report(bucket: bucketName, key: key, dryRun: dryRun, output: session.output)
            }
        }
    }

    static func report(bucket: String, key: String, dryRun: Bool, output: Output) {
        output.result(
            "\(dryRun ? "would remove" : "removed") mss://\(bucket)/\(key)",
            ["action": .string(dryRun ? "would-remove" : "removed"), "bucket": .string(bucket), "key": .string(key)])
    }

    /// Deletes every key under `prefix` in batches of 1,000 as the listing goes; returns how many.
    static func deleteAll(in bucket: Bucket, prefix: String, output: Output, dryRun: Bool) async throws -> Int {
        var batch: [String] = []
        var count = 0
        var failures: [(item: String, error: any Error)] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let failed = dryRun ? [] : try await bucket.deleteKeys(batch)
            let failedKeys = Set(failed.map(\.key))
            for key in batch where !failedKeys.contains(key) {
                report(bucket: bucket.name, key: key, dryRun: dryRun, output: output)
                count += 1
            }
            failures += failed.map { ($0.key, CLIError("\($0.code): \($0.message ?? "not deleted")")) }
            batch.removeAll(keepingCapacity: true)
        }
        for try await entry in bucket.keys(prefix: prefix.isEmpty ? nil : prefix) {
            guard case .object(let object) = entry else { continue }
            batch.append(object.key)
            if batch.count == 1000 { try await flush() }
        }
        try await flush()
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        return count
    }
}
