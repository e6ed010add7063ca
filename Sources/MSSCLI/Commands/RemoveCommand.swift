import ArgumentParser
import MSS
import S3Protocol

struct RemoveCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove an object, or with --recursive every object under a prefix (deleted 1,000 per request).",
        discussion: """
            In a versioned bucket rm removes nothing for good, as in S3: it makes a delete marker the key's latest \
            version and reports it; the older versions stay (`mss ls --versions`). --version-id removes exactly that \
            version or delete marker (removing the latest delete marker brings the key back); --all-versions removes \
            every version and delete marker of the key, or with --recursive under the prefix.

            With --json, versionId is the delete marker made, or the version removed, and deleteMarker says whether it \
            is a delete marker.
            """)

    @Argument(help: "mss://bucket/key, or mss://bucket/prefix with --recursive")
    var path: String

    @Flag(name: [.short, .long], help: "Every object under the prefix.")
    var recursive = false

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Remove exactly this version (or delete marker) of the key, for good.")
    var versionID: String?

    @Flag(name: .customLong("all-versions"), help: "Remove every version and delete marker of the key (or, with --recursive, under the prefix) for good.")
    var allVersions = false

    @Flag(name: .customLong("dry-run"), help: "Say what would be removed, remove nothing.")
    var dryRun = false

    @OptionGroup var filters: SelectionOptions

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (bucketName, key) = try location.remote("rm")
        try Session.validate(versionID: versionID)
        if versionID != nil, recursive || allVersions {
            throw CLIError.usage("--version-id removes one version of one key; it does not go with --recursive or --all-versions")
        }
        let scope = try RemoteScope(bucket: bucketName, key: key, selection: try filters.selection())
        if scope.narrows, versionID != nil || allVersions {
            throw CLIError.usage("--version-id and --all-versions do not go with wildcards or --include/--exclude")
        }
        if key.isEmpty, !recursive { throw CLIError.usage("rm takes mss://bucket/key; to remove a bucket use `mss rb`") }
        try await Session.run(global) { session in
            try await session.naming(location) {
                let bucket = session.bucket(bucketName)
                if allVersions {
                    let count = try await Self.deleteAllVersions(in: bucket, prefix: key, exactKey: !recursive, output: session.output, dryRun: dryRun)
                    if count == 0 {
                        if !recursive { throw CLIError("\(location) has no versions") }
                        session.output.note("nothing under \(location)")
                    }
                    return
                }
                if scope.isWildcard {
                    let count = try await Self.deleteAll(in: bucket, prefix: scope.listPrefix, output: session.output, dryRun: dryRun, selecting: scope.selects)
                    if count > 0 { return }
                    // A pattern that matches nothing is the key as written, as in a shell, when there is one.
                    guard !recursive, try await bucket.newKey(key).exists() else { throw CLIError("nothing matches \(location)") }
                }
                if !recursive, !scope.selection.includes(Location.baseName(key)) {
                    session.output.note("\(location) is left out by --include/--exclude")
                    return
                }
                if recursive {
                    let count = try await Self.deleteAll(in: bucket, prefix: key, output: session.output, dryRun: dryRun, selecting: scope.selects)
                    if count == 0 { session.output.note("nothing under \(location)") }
                    return
                }
                if let versionID {
                    guard let version = try await session.version(bucket: bucketName, key: key, versionID: versionID) else {
                        throw await session.missing(location, versionID: versionID)
                    }
                    if !dryRun { try await bucket.newKey(key).delete(versionID: versionID) }
                    Self.report(bucket: bucketName, key: key, versionID: versionID, deleteMarker: version.isDeleteMarker, made: false, dryRun: dryRun, output: session.output)
                    return
                }
                guard try await bucket.newKey(key).exists() else { throw await session.missing(location, versionID: nil) }
                let outcome = dryRun ? nil : try await bucket.newKey(key).delete()
                Self.report(
                    bucket: bucketName, key: key, versionID: outcome?.versionID, deleteMarker: outcome?.deleteMarker ?? false, made: true,
                    dryRun: dryRun, output: session.output)
            }
        }
    }

    static func report(bucket: String, key: String, dryRun: Bool, output: Output) {
        report(bucket: bucket, key: key, versionID: nil, deleteMarker: false, made: false, dryRun: dryRun, output: output)
    }

    /// One removal: of the current object (`made`: in a versioned bucket that made the delete
    /// marker `versionID`), or of version `versionID`.
    static func report(bucket: String, key: String, versionID: String?, deleteMarker: Bool, made: Bool, dryRun: Bool, output: Output) {
        let location = "mss://\(bucket)/\(key)"
        var text = "\(dryRun ? "would remove" : "removed") \(location)"
        if let versionID {
            if made, deleteMarker {
                text += ": its latest version is now delete marker \(versionID), older versions are kept"
            } else if !made {
                text = "\(dryRun ? "would remove" : "removed") \(deleteMarker ? "delete marker" : "version") \(versionID) of \(location)"
            }
        }
        output.result(
            text,
            ["action": .string(dryRun ? "would-remove" : "removed"), "bucket": .string(bucket), "key": .string(key),
             "versionId": .optional(versionID), "deleteMarker": .bool(deleteMarker)])
    }

    /// Deletes every key under `prefix` in batches of 1,000 as the listing goes; returns how many.
    /// In a versioned bucket each gets a delete marker, as S3 does.
    static func deleteAll(
        in bucket: Bucket, prefix: String, output: Output, dryRun: Bool, selecting: (String) -> Bool = { _ in true }
    ) async throws -> Int {
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
            guard case .object(let object) = entry, selecting(object.key) else { continue }
            batch.append(object.key)
            if batch.count == 1000 { try await flush() }
        }
        try await flush()
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        return count
    }

    /// Removes every version and delete marker under `prefix` (of exactly the key `prefix` when
    /// `exactKey`) for good, a page of 1,000 at a time; returns how many.
    ///
    /// A page is deleted only once the page after it has been listed, so no listing starts from a
    /// version that is already gone.
    static func deleteAllVersions(in bucket: Bucket, prefix: String, exactKey: Bool, output: Output, dryRun: Bool) async throws -> Int {
        var count = 0
        var failures: [(item: String, error: any Error)] = []
        func delete(_ versions: [ObjectVersion]) async throws {
            guard !versions.isEmpty else { return }
            let failed = dryRun ? [] : try await bucket.deleteObjects(versions.map { DeleteRequest.Object(key: $0.key, versionID: $0.versionID) })
            let failedVersions = Set(failed.map { [$0.key, $0.versionID ?? ""] })
            for version in versions where !failedVersions.contains([version.key, version.versionID]) {
                report(
                    bucket: bucket.name, key: version.key, versionID: version.versionID, deleteMarker: version.isDeleteMarker, made: false,
                    dryRun: dryRun, output: output)
                count += 1
            }
            failures += failed.map {
                ("mss://\(bucket.name)/\($0.key) version \($0.versionID ?? "-")", CLIError("\($0.code): \($0.message ?? "not deleted")"))
            }
        }
        var keyMarker: String?
        var versionIDMarker: String?
        var seenMarkers: Set<[String?]> = [[nil, nil]]
        var pending: [ObjectVersion] = []
        while true {
            let page = try await bucket.listVersionsPage(prefix: prefix.isEmpty ? nil : prefix, keyMarker: keyMarker, versionIDMarker: versionIDMarker)
            try await delete(pending)
            pending = page.versions
            var finished = !page.isTruncated
            if exactKey, let other = pending.firstIndex(where: { $0.key != prefix }) {
                pending.removeSubrange(other...)
                finished = true
            }
            // Markers seen before would page forever.
            guard !finished, let next = page.nextKeyMarker, seenMarkers.insert([next, page.nextVersionIDMarker]).inserted else { break }
            keyMarker = next
            versionIDMarker = page.nextVersionIDMarker
        }
        try await delete(pending)
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        return count
    }
}
