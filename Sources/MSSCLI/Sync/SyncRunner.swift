import Foundation
import MSS
import S3Protocol
import Synchronization

/// One pass of `sync`: list both sides, plan, then upload, download or copy what differs and, with
/// `--delete`, remove what the source lacks. `--watch` runs passes again as files change.
struct SyncRunner: Sendable {
    let output: Output
    let source: SyncSide.Place
    let destination: SyncSide.Place
    let planner: SyncPlanner
    let selection: Selection
    let dryRun: Bool
    let concurrency: Int
    let settings: ObjectSettings
    /// Copies between two remote sides (server-side, or streamed between two servers).
    let remoteCopy: RemoteCopy

    private var configuration: TransferConfiguration { TransferConfiguration(concurrency: max(1, concurrency)) }

    /// Runs one pass; returns whether it changed (or with `--dry-run` would change) anything.
    /// `reportingSkipped` names what a local source's walk left out (links, pipes): on the first
    /// pass, not again on each pass of `--watch`.
    @discardableResult
    func run(reportingSkipped: Bool = false) async throws -> Bool {
        let from = try await SyncSide.list(source, selection: selection, isSource: true)
        if reportingSkipped { Copier.report(skipped: from.skipped, output: output) }
        let to = try await SyncSide.list(destination, selection: selection, isSource: false)
        let plan = try await planner.plan(from, to)
        var failures: [(item: String, error: any Error)] = []
        switch (source, destination) {
        case (.local, .remote(let bucket, let prefix)):
            failures = try await upload(plan, from: from, to: bucket, prefix: prefix)
        case (.remote(let bucket, let prefix), .local(let directory)):
            failures = try await download(plan, from: bucket, prefix: prefix, to: directory)
        case (.remote(let bucket, let prefix), .remote(let target, let targetPrefix)):
            failures = try await copy(plan, from: bucket, prefix: prefix, to: target, prefix: targetPrefix)
        case (.local, .local):
            throw CLIError.usage("sync needs a remote side (mss://bucket/prefix)")
        }
        failures += try await remove(plan.delete, from: to)
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        if plan.copy.isEmpty && plan.delete.isEmpty { output.note("already in sync") }
        return !(plan.copy.isEmpty && plan.delete.isEmpty)
    }

    private func report(_ action: String, _ text: String, reason: String? = nil) {
        let verb = dryRun ? "would \(action)" : action
        output.result(
            "\(verb) \(text)" + (reason.map { " (\($0))" } ?? ""),
            ["action": .string(action), "path": .string(text), "dryRun": .bool(dryRun), "reason": .optional(reason)])
    }

    private func upload(_ plan: SyncPlan, from side: SyncSide, to bucket: Bucket, prefix: String) async throws -> [(item: String, error: any Error)] {
        let files = plan.copy.compactMap { entry in
            side.paths[entry.item.relative].map { FileTransfer(path: $0, key: prefix + entry.item.relative, size: entry.item.size) }
        }
        let reasons = Dictionary(plan.copy.map { (prefix + $0.item.relative, $0.reason) }, uniquingKeysWith: { first, _ in first })
        var uploaded = files.map(\.key)
        var failures: [(item: String, error: any Error)] = []
        if !dryRun && !files.isEmpty {
            let settings = settings
            let result = try await TransferManager(connection: bucket.connection, configuration: configuration).upload(
                files, to: bucket, options: { settings.putOptions(forFile: $0) })
            uploaded = result.transferred
            failures = result.failures
        }
        for key in uploaded.sorted() { report("upload", "mss://\(bucket.name)/\(key)", reason: reasons[key]?.rawValue) }
        return failures
    }

    private func download(_ plan: SyncPlan, from bucket: Bucket, prefix: String, to directory: String) async throws -> [(item: String, error: any Error)] {
        var files: [FileTransfer] = []
        var failures: [(item: String, error: any Error)] = []
        var reasons: [String: SyncPlan.Reason] = [:]
        var times: [String: Date] = [:]
        var keys: [String: String] = [:]
        for entry in plan.copy {
            let key = prefix + entry.item.relative
            guard let path = TransferManager.localPath(forKey: key, prefix: prefix, in: directory) else {
                failures.append(("mss://\(bucket.name)/\(key)", CLIError("does not map to a file below \(directory)")))
                continue
            }
            files.append(FileTransfer(path: path, key: key, size: entry.item.size))
            reasons[path] = entry.reason
            times[path] = entry.item.modified
            keys[path] = key
        }
        var downloaded = files.map(\.path)
        if !dryRun && !files.isEmpty {
            let result = try await TransferManager(connection: bucket.connection, configuration: configuration).download(
                files, from: bucket, customerKey: settings.readKey)
            downloaded = result.transferred
            failures += result.failures
            for path in downloaded {
                // The object's time on the file, so the next sync sees them as equal; with
                // --preserve, the mode and time the upload recorded, when it recorded them.
                if settings.preserve, let key = keys[path], let metadata = try? await bucket.newKey(key).info(customerKey: settings.readKey)?.metadata,
                    let attributes = PreservedAttributes(metadata: metadata)
                {
                    if let problem = attributes.apply(to: path) { output.note(problem) }
                    if attributes.modified != nil { continue }
                }
                if let modified = times[path] { try? FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path) }
            }
        }
        for path in downloaded.sorted() { report("download", path, reason: reasons[path]?.rawValue) }
        return failures
    }

    private func copy(_ plan: SyncPlan, from bucket: Bucket, prefix: String, to target: Bucket, prefix targetPrefix: String) async throws
        -> [(item: String, error: any Error)]
    {
        let failures = Mutex<[(item: String, error: any Error)]>([])
        var copied = plan.copy.map(\.item.relative)
        if !dryRun && !plan.copy.isEmpty {
            let remoteCopy = remoteCopy
            copied = try await RemoteCopy.inParallel(plan.copy.map(\.item.relative), limit: max(1, concurrency)) { relative -> String? in
                do {
                    _ = try await remoteCopy.copy(bucket: bucket.name, key: prefix + relative, versionID: nil, to: target.name, key: targetPrefix + relative)
                    return relative
                } catch {
                    failures.withLock { $0.append(("mss://\(bucket.name)/\(prefix)\(relative)", error)) }
                    return nil
                }
            }.compactMap { $0 }
        }
        let reasons = Dictionary(plan.copy.map { ($0.item.relative, $0.reason) }, uniquingKeysWith: { first, _ in first })
        for relative in copied.sorted() { report("copy", "mss://\(target.name)/\(targetPrefix)\(relative)", reason: reasons[relative]?.rawValue) }
        return failures.withLock { $0 }
    }

    private func remove(_ items: [SyncPlan.Item], from side: SyncSide) async throws -> [(item: String, error: any Error)] {
        guard !items.isEmpty else { return [] }
        switch side.place {
        case .remote(let bucket, let prefix):
            let keys = items.map { prefix + $0.relative }
            if !dryRun {
                let failures = try await bucket.deleteKeys(keys)
                if !failures.isEmpty { return failures.map { ("mss://\(bucket.name)/\($0.key)", CLIError($0.code)) } }
            }
            for key in keys { report("delete", "mss://\(bucket.name)/\(key)") }
        case .local:
            var failures: [(item: String, error: any Error)] = []
            for item in items {
                let path = side.describe(item.relative)
                if !dryRun {
                    do {
                        try FileManager.default.removeItem(atPath: path)
                    } catch {
                        failures.append((path, CLIError("cannot remove: \(error.localizedDescription)")))
                        continue
                    }
                }
                report("delete", path)
            }
            return failures
        }
        return []
    }
}
