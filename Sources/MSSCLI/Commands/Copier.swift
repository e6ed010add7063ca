import Foundation
import MSS
import Synchronization

/// The work of `cp` (and `mv`, which then removes what was copied): local to remote, remote to
/// local, remote to remote, one item or a whole tree, in parallel, multipart above the part size,
/// resumable (running the same command again continues an interrupted file).
struct Copier {
    let session: Session
    let options: TransferOptions
    /// The version of a remote source object to copy; its current one when nil.
    var versionID: String? = nil
    /// What `--include`/`--exclude` take, and whether paths may hold wildcards.
    var selection = Selection()
    /// Content headers, metadata, ACL and `--preserve` for what is written.
    var settings: ObjectSettings = .none
    /// Where remote sources are read when `--source-profile` names another connection.
    var source: SourceConnection? = nil

    private var output: Output { session.output }
    private var transfers: TransferManager { session.transfers(concurrency: options.concurrency, partSize: options.partSize) }

    /// Copies and returns the sources that were copied in full.
    func copy(_ source: Location, to destination: Location) async throws -> [Location] {
        if let selected = try await copySelected(source, to: destination) { return selected }
        if self.source != nil, !(source.isRemote && destination.isRemote) {
            throw CLIError.usage("--source-profile is for copies from one remote path to another (mss://bucket/key)")
        }
        if !destination.isRemote, let flag = settings.serverSideFlag {
            throw CLIError.usage("\(flag) sets what is stored on a server; this copy writes local files")
        }
        if source == .local(StandardStreamTransfers.marker) || destination == .local(StandardStreamTransfers.marker) {
            return try await StandardStreamTransfers(session: session, options: options, settings: settings, versionID: versionID)
                .copy(source, to: destination)
        }
        switch (source, destination) {
        case (.local(let path), .remote(let bucket, let key)):
            return try await upload(path, bucket: bucket, key: key)
        case (.remote(let bucket, let key), .local(let path)):
            return try await session.naming(source, versionID: versionID) { try await download(bucket: bucket, key: key, to: path) }
        case (.remote(let sourceBucket, let sourceKey), .remote(let bucket, let key)):
            return try await session.naming(source, versionID: versionID) {
                try await copyRemote(bucket: sourceBucket, key: sourceKey, toBucket: bucket, key: key)
            }
        case (.local, .local):
            throw CLIError.usage("one of the two paths must be remote (mss://bucket/key); for local copies use cp(1)")
        }
    }

    /// `key` as a destination for an item called `name`: inside it when it is empty or ends in `/`.
    static func destinationKey(_ key: String, name: String) -> String {
        key.isEmpty || key.hasSuffix("/") ? key + name : key
    }

    /// Says what a walk of a tree left out, one result each: a link is not followed, and a pipe
    /// or an unreadable folder is not sent, but nothing is left out silently.
    static func report(skipped: [LocalFileTree.Skipped], output: Output) {
        for item in skipped {
            let reason =
                switch item.reason {
                case .symbolicLink: "symbolic-link"
                case .notARegularFile: "not-a-regular-file"
                case .unreadable: "unreadable"
                case .nameNotUTF8: "name-not-utf8"
                }
            output.result("skipped \(item)", ["action": .string("skip"), "source": .string(item.path), "reason": .string(reason)])
        }
    }

    /// `key` as a prefix holding a tree.
    static func treePrefix(_ key: String) -> String {
        key.isEmpty || key.hasSuffix("/") ? key : key + "/"
    }

    private func upload(_ path: String, bucket: String, key: String) async throws -> [Location] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CLIError("\(path) does not exist") }
        if isDirectory.boolValue {
            guard options.recursive else { throw CLIError.usage("\(path) is a directory; add --recursive to copy it") }
            let tree = try LocalFileTree(walking: path)
            let files = tree.files
            let prefix = Self.treePrefix(key)
            Self.report(skipped: tree.skipped, output: output)
            let bar = ProgressBar(label: path, output: output)
            // The tree walked once: its files are both what is uploaded and the answer.
            let uploads = files.map { FileTransfer(path: $0.path, key: prefix + $0.relativePath, size: $0.size) }
            let result = try await session.naming(.remote(bucket: bucket, key: prefix)) {
                try await transfers.upload(
                    uploads, to: session.bucket(bucket), options: { [settings] in settings.putOptions(forFile: $0) }, progress: bar.handler)
            }
            bar.finish()
            for key in result.transferred {
                output.result("uploaded mss://\(bucket)/\(key)", ["action": .string("upload"), "destination": .string("mss://\(bucket)/\(key)")])
            }
            output.note("\(result.transferred.count) file(s), \(HumanFormat.size(result.bytes)) to mss://\(bucket)/\(prefix)")
            if !result.failures.isEmpty { throw DirectoryFailures(failures: result.failures) }
            return files.map { .local($0.path) }
        }
        let target = Self.destinationKey(key, name: Location.baseName(path))
        let destination = Location.remote(bucket: bucket, key: target)
        let resume = try session.resumeFile(URL(fileURLWithPath: path).standardizedFileURL.path, destination.description)
        let bar = ProgressBar(label: Location.baseName(path), output: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        let result = try await session.naming(destination) {
            try await transfers.upload(
                file: path, to: session.bucket(bucket).newKey(target), options: settings.putOptions(forFile: path),
                resumeFile: resume, progress: bar.handler)
        }
        bar.finish()
        output.result(
            "uploaded \(path) → \(destination) (\(HumanFormat.size(size)))",
            ["action": .string("upload"), "source": .string(path), "destination": .string(destination.description),
             "size": .int(size), "etag": .optional(result.etag)])
        return [.local(path)]
    }

    private func download(bucket: String, key: String, to path: String) async throws -> [Location] {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if options.recursive {
            let prefix = Self.treePrefix(key)
            // Downloads start with the listing's first page; what it lists is kept for the
            // attributes and the answer.
            let listed = Mutex<[ObjectSummary]>([])
            let bar = ProgressBar(label: "mss://\(bucket)/\(prefix)", output: output)
            let result = try await transfers.downloadPrefix(
                prefix, from: session.bucket(bucket), to: path, customerKey: settings.readKey, progress: bar.handler,
                listed: { object in listed.withLock { $0.append(object) } })
            bar.finish()
            let sources = listed.withLock { $0 }
            guard !sources.isEmpty else { throw CLIError("nothing under mss://\(bucket)/\(prefix)") }
            if settings.preserve {
                let keys = sources.compactMap { object in TransferManager.localPath(forKey: object.key, prefix: prefix, in: path).map { ($0, object.key) } }
                let keyOf = Dictionary(keys, uniquingKeysWith: { first, _ in first })
                for file in result.transferred {
                    guard let key = keyOf[file] else { continue }
                    restoreAttributes(of: file, from: try await session.bucket(bucket).newKey(key).info(customerKey: settings.readKey)?.metadata ?? [:])
                }
            }
            for file in result.transferred {
                output.result("downloaded \(file)", ["action": .string("download"), "destination": .string(file)])
            }
            output.note("\(result.transferred.count) file(s), \(HumanFormat.size(result.bytes)) to \(path)")
            if !result.failures.isEmpty { throw DirectoryFailures(failures: result.failures) }
            return sources.map { .remote(bucket: bucket, key: $0.key) }
        }
        guard !key.isEmpty, !key.hasSuffix("/") else { throw CLIError.usage("mss://\(bucket)/\(key) is a prefix; add --recursive to copy what is under it") }
        let target = (exists && isDirectory.boolValue) || path.hasSuffix("/")
            ? URL(fileURLWithPath: path).appendingPathComponent(Location.baseName(key)).path : path
        let source = Location.remote(bucket: bucket, key: key)
        // Each version keeps its own record, so downloads of two versions to one file do not
        // throw each other's finished parts away.
        let resume = try session.resumeFile(
            source.description + (versionID.map { "?versionId=\($0)" } ?? ""), URL(fileURLWithPath: target).standardizedFileURL.path)
        let bar = ProgressBar(label: Location.baseName(key), output: output)
        let info = try await transfers.download(
            session.bucket(bucket).newKey(key), toFile: target, versionID: versionID, resumeFile: resume, customerKey: settings.readKey,
            progress: bar.handler)
        bar.finish()
        if settings.preserve { restoreAttributes(of: target, from: info.metadata) }
        output.result(
            "downloaded \(source)\(versionID.map { " (version \($0))" } ?? "") → \(target) (\(HumanFormat.size(info.size)))",
            ["action": .string("download"), "source": .string(source.description), "destination": .string(target), "size": .int(info.size),
             "versionId": .optional(versionID ?? info.versionID)])
        return [source]
    }

    /// With `--preserve`: the mode and time an upload with `--preserve` recorded, when there are any.
    private func restoreAttributes(of path: String, from metadata: [String: String]) {
        guard let attributes = PreservedAttributes(metadata: metadata) else { return }
        if let problem = attributes.apply(to: path) { output.note(problem) }
    }

    private func copyRemote(bucket: String, key: String, toBucket: String, key destinationKey: String) async throws -> [Location] {
        let remote = RemoteCopy(connection: session.connection, source: source, settings: settings, configuration: transfers.configuration)
        if !remote.isPlain || source != nil {
            return try await RemoteTreeCopy(copier: remote, output: output, recursive: options.recursive, versionID: versionID)
                .copy(bucket: bucket, key: key, toBucket: toBucket, key: destinationKey)
        }
        if options.recursive {
            let prefix = Self.treePrefix(key)
            let targetPrefix = Self.treePrefix(destinationKey)
            guard !(bucket == toBucket && prefix == targetPrefix) else { throw CLIError.usage("source and destination are the same") }
            let bar = ProgressBar(label: "mss://\(bucket)/\(prefix)", output: output)
            let result = try await transfers.copyPrefix(
                prefix, from: session.bucket(bucket), to: session.bucket(toBucket), destinationPrefix: targetPrefix, progress: bar.handler)
            bar.finish()
            guard !result.transferred.isEmpty || !result.failures.isEmpty else { throw CLIError("nothing under mss://\(bucket)/\(prefix)") }
            for target in result.transferred {
                let source = prefix + target.dropFirst(targetPrefix.count)
                output.result(
                    "copied mss://\(bucket)/\(source) → mss://\(toBucket)/\(target)",
                    ["action": .string("copy"), "source": .string("mss://\(bucket)/\(source)"), "destination": .string("mss://\(toBucket)/\(target)")])
            }
            if !result.failures.isEmpty { throw DirectoryFailures(failures: result.failures) }
            return result.transferred.map { .remote(bucket: bucket, key: prefix + $0.dropFirst(targetPrefix.count)) }
        }
        guard !key.isEmpty, !key.hasSuffix("/") else { throw CLIError.usage("mss://\(bucket)/\(key) is a prefix; add --recursive") }
        let target = Self.destinationKey(destinationKey, name: Location.baseName(key))
        guard !(bucket == toBucket && key == target && versionID == nil) else { throw CLIError.usage("source and destination are the same") }
        _ = try await transfers.copy(session.bucket(bucket).newKey(key), to: session.bucket(toBucket).newKey(target), versionID: versionID)
        output.result(
            "copied mss://\(bucket)/\(key)\(versionID.map { " (version \($0))" } ?? "") → mss://\(toBucket)/\(target)",
            ["action": .string("copy"), "source": .string("mss://\(bucket)/\(key)"), "destination": .string("mss://\(toBucket)/\(target)"),
             "versionId": .optional(versionID)])
        return [.remote(bucket: bucket, key: key)]
    }
}
