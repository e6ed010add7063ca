import ArgumentParser
import Crypto
import Foundation
import MSS
import S3Protocol

struct SyncCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make a remote prefix match a local directory, or a local directory match a remote prefix.",
        discussion: """
            Copies what is missing, differs in size, or is newer on the source side (a newer file whose MD5 still matches
            the object's ETag is skipped). --delete removes what the source does not have; --dry-run only says what it
            would do. Downloaded files take the object's modification time, so a second sync has nothing to do.
            """)

    @Argument(help: "A directory or mss://bucket/prefix.")
    var source: String

    @Argument(help: "mss://bucket/prefix or a directory.")
    var destination: String

    @Flag(name: .long, help: "Remove destination items the source does not have.")
    var delete = false

    @Flag(name: .customLong("dry-run"), help: "Say what would change; change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Transfers in flight at once (default 8).")
    var concurrency: Int = 8

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let from = try Location(source), to = try Location(destination)
        try await Session.run(global) { session in
            switch (from, to) {
            case (.local(let directory), .remote(let bucket, let key)):
                try await session.naming(to) { try await upload(session, directory: directory, bucket: bucket, prefix: Copier.treePrefix(key)) }
            case (.remote(let bucket, let key), .local(let directory)):
                try await session.naming(from) { try await download(session, bucket: bucket, prefix: Copier.treePrefix(key), directory: directory) }
            default:
                throw CLIError.usage("sync goes between a local directory and mss://bucket/prefix")
            }
        }
    }

    private func remoteItems(_ session: Session, bucket: String, prefix: String) async throws -> [SyncPlan.Item] {
        try await session.bucket(bucket).allKeys(prefix: prefix.isEmpty ? nil : prefix).compactMap { object in
            let relative = String(object.key.dropFirst(prefix.count))
            return relative.isEmpty || relative.hasSuffix("/") ? nil
                : SyncPlan.Item(relative: relative, size: object.size, modified: object.lastModified, etag: object.etag)
        }
    }

    private func report(_ session: Session, _ action: String, _ text: String, reason: String? = nil) {
        let verb = dryRun ? "would \(action)" : action
        session.output.result(
            "\(verb) \(text)" + (reason.map { " (\($0))" } ?? ""),
            ["action": .string(action), "path": .string(text), "dryRun": .bool(dryRun), "reason": .optional(reason)])
    }

    private func upload(_ session: Session, directory: String, bucket: String, prefix: String) async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIError("\(directory) is not a directory")
        }
        let tree = LocalTree.files(under: directory)
        let paths = Dictionary(tree.map { ($0.relative, $0.path) }, uniquingKeysWith: { first, _ in first })
        let local = tree.map { SyncPlan.Item(relative: $0.relative, size: $0.size, modified: $0.modified) }
        let remote = try await remoteItems(session, bucket: bucket, prefix: prefix)
        // Contents are compared only where sizes agree and the remote ETag is a plain MD5; those
        // files are hashed here, before planning.
        let remoteByPath = Dictionary(remote.map { ($0.relative, $0) }, uniquingKeysWith: { first, _ in first })
        var digests: [String: String] = [:]
        for item in local {
            guard let theirs = remoteByPath[item.relative], theirs.size == item.size, let etag = theirs.etag, Key.isPlainMD5(etag),
                let path = paths[item.relative]
            else { continue }
            digests[item.relative] = try? await Self.md5Hex(ofFile: path)
        }
        let plan = SyncPlan(source: local, destination: remote, deleting: delete) { mine, theirs in
            guard let etag = theirs.etag, let digest = digests[mine.relative] else { return false }
            return digest == etag.lowercased()
        }
        let files = plan.copy.compactMap { entry in
            paths[entry.item.relative].map { FileTransfer(path: $0, key: prefix + entry.item.relative, size: entry.item.size) }
        }
        let reasons = Dictionary(plan.copy.map { (prefix + $0.item.relative, $0.reason) }, uniquingKeysWith: { first, _ in first })
        var failures: [(item: String, error: any Error)] = []
        var uploaded = files.map(\.key)
        if !dryRun {
            let result = try await session.transfers(concurrency: concurrency, partSize: nil).upload(
                files, to: session.bucket(bucket), options: { PutOptions(contentType: ContentType.guess($0)) })
            uploaded = result.transferred
            failures = result.failures
        }
        for key in uploaded { report(session, "upload", "mss://\(bucket)/\(key)", reason: reasons[key]?.rawValue) }
        if !plan.delete.isEmpty {
            let keys = plan.delete.map { prefix + $0.relative }
            if !dryRun {
                let failures = try await session.bucket(bucket).deleteKeys(keys)
                if !failures.isEmpty { throw DirectoryFailures(failures: failures.map { ("mss://\(bucket)/\($0.key)", CLIError($0.code)) }) }
            }
            for key in keys { report(session, "delete", "mss://\(bucket)/\(key)") }
        }
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        if plan.copy.isEmpty && plan.delete.isEmpty { session.output.note("already in sync") }
    }

    private func download(_ session: Session, bucket: String, prefix: String, directory: String) async throws {
        let local = LocalTree.files(under: directory).map { SyncPlan.Item(relative: $0.relative, size: $0.size, modified: $0.modified) }
        let remote = try await remoteItems(session, bucket: bucket, prefix: prefix)
        let plan = SyncPlan(source: remote, destination: local, deleting: delete)
        var files: [FileTransfer] = []
        var failures: [(item: String, error: any Error)] = []
        var reasons: [String: SyncPlan.Reason] = [:]
        var times: [String: Date] = [:]
        for entry in plan.copy {
            let key = prefix + entry.item.relative
            guard let path = TransferManager.localPath(forKey: key, prefix: prefix, in: directory) else {
                failures.append(("mss://\(bucket)/\(key)", CLIError("does not map to a file below \(directory)")))
                continue
            }
            files.append(FileTransfer(path: path, key: key, size: entry.item.size))
            reasons[path] = entry.reason
            times[path] = entry.item.modified
        }
        var downloaded = files.map(\.path)
        if !dryRun {
            let result = try await session.transfers(concurrency: concurrency, partSize: nil).download(files, from: session.bucket(bucket))
            downloaded = result.transferred
            failures += result.failures
            // The object's time on the file, so the next sync sees them as equal.
            for path in downloaded {
                if let modified = times[path] { try? FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path) }
            }
        }
        for path in downloaded { report(session, "download", path, reason: reasons[path]?.rawValue) }
        for item in plan.delete {
            let path = URL(fileURLWithPath: directory).standardizedFileURL.appendingPathComponent(item.relative).path
            if !dryRun { try FileManager.default.removeItem(atPath: path) }
            report(session, "delete", path)
        }
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        if plan.copy.isEmpty && plan.delete.isEmpty { session.output.note("already in sync") }
    }

    static func md5Hex(ofFile path: String) async throws -> String {
        do {
            return Digests.hex(try await FileDigest.md5(ofFile: path))
        } catch {
            throw CLIError("cannot read \(path): \(error)")
        }
    }
}
