import Foundation
import MSS

extension Copier {
    /// `cp` and `mv` of a wildcard source, or through `--include`/`--exclude`; nil when neither
    /// applies and the plain copy goes ahead.
    func copySelected(_ source: Location, to destination: Location) async throws -> [Location]? {
        // Leaves the refusal of --source-profile for other directions to the plain copy.
        if self.source != nil, !(source.isRemote && destination.isRemote) { return nil }
        // Likewise the refusal of server-side settings on a copy that writes local files.
        if !destination.isRemote, settings.serverSideFlag != nil { return nil }
        switch (source, destination) {
        case (.local(let path), .remote(let bucket, let key)):
            return try await uploadSelected(path, bucket: bucket, key: key)
        case (.remote(let bucket, let key), _):
            var scope = try RemoteScope(bucket: bucket, key: key, selection: selection)
            if destination == .local(StandardStreamTransfers.marker) {
                guard !scope.isWildcard else { throw CLIError.usage("a wildcard names many objects; `-` (standard output) takes one") }
                return nil
            }
            if !scope.isWildcard {
                guard !selection.isEmpty else { return nil }
                guard options.recursive else { return excludedSingle(key, source) }
                scope = try RemoteScope(bucket: bucket, key: Copier.treePrefix(key), selection: selection)
            }
            if versionID != nil { throw CLIError.usage("--version-id copies one object; it does not go with wildcards or --include/--exclude") }
            let objects = try await session.naming(source) { try await scope.objects(remoteCopy.sourceBucket(bucket)) }
                .filter { !scope.relative($0.key).isEmpty && !$0.key.hasSuffix("/") }
            if objects.isEmpty {
                if scope.isWildcard {
                    // As a shell passes on a pattern that matches nothing: the key as written, when
                    // there is one (a name with brackets, say).
                    if !options.recursive, try await remoteCopy.sourceBucket(bucket).newKey(key).exists() { return nil }
                    throw CLIError("nothing matches \(scope.location)")
                }
                session.output.note("nothing under \(scope.location) passes --include/--exclude")
                return []
            }
            switch destination {
            case .local(let directory): return try await downloadSelected(objects, scope: scope, to: directory)
            case .remote(let toBucket, let toKey): return try await copySelected(objects, scope: scope, toBucket: toBucket, prefix: Copier.treePrefix(toKey))
            }
        default:
            return nil
        }
    }

    /// A single item the filters leave out: nothing to do, which is said rather than done.
    private func excludedSingle(_ path: String, _ location: Location) -> [Location]? {
        guard !selection.includes(Location.baseName(path)) else { return nil }
        session.output.note("\(location) is left out by --include/--exclude")
        return []
    }

    private func uploadSelected(_ path: String, bucket: String, key: String) async throws -> [Location]? {
        let files: [LocalFileTree.File]
        if let glob = try LocalMatches.wildcard(path, raw: selection.raw) {
            files = LocalMatches.files(glob, selection: selection).files
            if files.isEmpty { throw CLIError("nothing matches \(path)") }
        } else {
            guard !selection.isEmpty else { return nil }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
            guard isDirectory.boolValue, options.recursive else { return excludedSingle(path, .local(path)) }
            let picked = selection.pick(try LocalFileTree(walking: path))
            Copier.report(skipped: picked.skipped, output: session.output)
            files = picked.files
            if files.isEmpty {
                session.output.note("nothing under \(path) passes --include/--exclude")
                return []
            }
        }
        let prefix = Copier.treePrefix(key)
        let items = files.map { FileTransfer(path: $0.path, key: prefix + $0.relativePath, size: $0.size) }
        let paths = Dictionary(items.map { ($0.key, $0.path) }, uniquingKeysWith: { first, _ in first })
        let bar = ProgressBar(label: path, output: session.output)
        let result = try await session.naming(.remote(bucket: bucket, key: prefix)) {
            try await transferManager.upload(items, to: session.bucket(bucket), options: { [settings] in settings.putOptions(forFile: $0) }, progress: bar.handler)
        }
        bar.finish()
        for key in result.transferred {
            session.output.result(
                "uploaded \(paths[key] ?? key) → mss://\(bucket)/\(key)",
                ["action": .string("upload"), "source": .optional(paths[key]), "destination": .string("mss://\(bucket)/\(key)")])
        }
        session.output.note("\(result.transferred.count) file(s), \(HumanFormat.size(result.bytes)) to mss://\(bucket)/\(prefix)")
        if !result.failures.isEmpty { throw DirectoryFailures(failures: result.failures) }
        return result.transferred.compactMap { paths[$0].map { .local($0) } }
    }

    private func downloadSelected(_ objects: [ObjectSummary], scope: RemoteScope, to directory: String) async throws -> [Location] {
        var files: [FileTransfer] = []
        var failures: [(item: String, error: any Error)] = []
        for object in objects {
            if let path = TransferManager.localPath(forKey: scope.relative(object.key), prefix: "", in: directory) {
                files.append(FileTransfer(path: path, key: object.key, size: object.size))
            } else {
                failures.append(("mss://\(scope.bucket)/\(object.key)", CLIError("does not map to a file below \(directory)")))
            }
        }
        let keys = Dictionary(files.map { ($0.path, $0.key) }, uniquingKeysWith: { first, _ in first })
        let bar = ProgressBar(label: scope.location.description, output: session.output)
        let result = try await transferManager.download(
            files, from: remoteCopy.sourceBucket(scope.bucket), customerKey: settings.readKey, progress: bar.handler)
        bar.finish()
        if settings.preserve {
            for path in result.transferred {
                guard let key = keys[path], let info = try await remoteCopy.sourceBucket(scope.bucket).newKey(key).info(customerKey: settings.readKey),
                    let attributes = PreservedAttributes(metadata: info.metadata)
                else { continue }
                if let problem = attributes.apply(to: path) { session.output.note(problem) }
            }
        }
        for path in result.transferred {
            session.output.result(
                "downloaded mss://\(scope.bucket)/\(keys[path] ?? "") → \(path)",
                ["action": .string("download"), "source": .string("mss://\(scope.bucket)/\(keys[path] ?? "")"), "destination": .string(path)])
        }
        session.output.note("\(result.transferred.count) file(s), \(HumanFormat.size(result.bytes)) to \(directory)")
        failures += result.failures
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        return result.transferred.compactMap { keys[$0].map { .remote(bucket: scope.bucket, key: $0) } }
    }

    private func copySelected(_ objects: [ObjectSummary], scope: RemoteScope, toBucket: String, prefix: String) async throws -> [Location] {
        let pairs = objects.map { (source: $0.key, target: prefix + scope.relative($0.key)) }
        if self.source == nil, scope.bucket == toBucket, pairs.contains(where: { $0.source == $0.target }) {
            throw CLIError.usage("source and destination are the same")
        }
        let remote = remoteCopy
        var copied: [String] = []
        var failures: [(item: String, error: any Error)] = []
        try await withThrowingTaskGroup(of: (Int, (any Error)?).self) { group in
            var next = 0
            func start() {
                guard next < pairs.count else { return }
                let index = next, pair = pairs[next]
                next += 1
                group.addTask {
                    do {
                        _ = try await remote.copy(bucket: scope.bucket, key: pair.source, versionID: nil, to: toBucket, key: pair.target)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            for _ in 0..<max(1, options.concurrency ?? 8) { start() }
            while let (index, error) = try await group.next() {
                let pair = pairs[index]
                if let error {
                    failures.append(("mss://\(scope.bucket)/\(pair.source)", error))
                } else {
                    copied.append(pair.source)
                    session.output.result(
                        "copied mss://\(scope.bucket)/\(pair.source) → mss://\(toBucket)/\(pair.target)",
                        ["action": .string("copy"), "source": .string("mss://\(scope.bucket)/\(pair.source)"),
                         "destination": .string("mss://\(toBucket)/\(pair.target)")])
                }
                start()
            }
        }
        if !failures.isEmpty { throw DirectoryFailures(failures: failures) }
        return copied.map { .remote(bucket: scope.bucket, key: $0) }
    }

    /// Copies between remote paths with `--source-profile` and the new object settings.
    private var remoteCopy: RemoteCopy {
        RemoteCopy(connection: session.connection, source: self.source, settings: settings, configuration: transferManager.configuration)
    }

    private var transferManager: TransferManager { session.transfers(concurrency: options.concurrency, partSize: options.partSize) }
}
