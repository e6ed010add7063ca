import Foundation
import S3Protocol
import Synchronization

/// The outcome of a transfer of many items: what moved and what did not.
public struct DirectoryTransferResult: Sendable {
    /// Keys written (uploads, copies), or files written (downloads).
    public var transferred: [String]
    /// Each file or key that failed, with the error.
    public var failures: [(item: String, error: any Error)]
    public var bytes: Int64
    /// What a directory upload found and did not send: links, pipes, unreadable folders.
    public var skipped: [LocalFileTree.Skipped] = []
}

/// One file and the key it goes to or comes from, in a transfer of many.
public struct FileTransfer: Sendable, Hashable {
    public var path: String
    public var key: String
    /// The size, when a listing already told it; saves a request per small download.
    public var size: Int64?

    public init(path: String, key: String, size: Int64? = nil) {
        self.path = path
        self.key = key
        self.size = size
    }
}

extension TransferManager {
    /// Uploads every regular file below `directory` to `prefix` + its relative path, with at most
    /// `configuration.smallFileConcurrency` single-PUT files and `configuration.concurrency`
    /// multipart ones in flight across the whole tree. `options` gives each
    /// file's put options (a content type by extension, say) from its path. Symbolic links and
    /// what else is not a regular file are not sent; the result's `skipped` lists them
    /// (``LocalFileTree``). A `directory` that is missing or is a file throws
    /// ``MSSClientError``, rather than uploading an empty tree.
    public func uploadDirectory(
        _ directory: String, to bucket: Bucket, prefix: String = "", options: @escaping @Sendable (String) -> PutOptions = { _ in PutOptions() },
        progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        let tree = try LocalFileTree(walking: directory)
        let files = tree.files.map { FileTransfer(path: $0.path, key: prefix + $0.relativePath, size: $0.size) }
        var result = try await upload(files, to: bucket, options: options, progress: progress)
        result.skipped = tree.skipped
        return result
    }

    /// Uploads each file to its key, at most `configuration.smallFileConcurrency` single-PUT files
    /// and `configuration.concurrency` multipart ones at once; a failed file is recorded and the
    /// others go on.
    public func upload(
        _ files: [FileTransfer], to bucket: Bucket, options: @escaping @Sendable (String) -> PutOptions = { _ in PutOptions() },
        progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        let threshold = configuration.multipartThreshold
        return try await transferEach(
            files, recordedAs: (done: \.key, failed: \.path), oneRequest: { ($0.size ?? .max) <= threshold }, progress: progress
        ) { manager, file in
            _ = try await manager.upload(file: file.path, knownSize: file.size, to: bucket.newKey(file.key), options: options(file.path))
        }
    }

    /// Downloads every object under `prefix` into `directory`, keeping the key's path below the
    /// prefix. Keys that would land outside `directory` (`..`, absolute) are refused, not written.
    ///
    /// Downloads start with the listing's first page, while the next pages are fetched: a tree
    /// of a million keys does not wait for a thousand listing requests first. The progress
    /// total grows as pages arrive. A listing that fails part way throws, and stops the
    /// downloads still running; files already written stay.
    ///
    /// - Parameter listed: told of each object as the listing finds it, before its download.
    public func downloadPrefix(
        _ prefix: String, from bucket: Bucket, to directory: String, customerKey: CustomerKey? = nil,
        progress: TransferProgressHandler? = nil, listed: (@Sendable (ObjectSummary) -> Void)? = nil
    ) async throws -> DirectoryTransferResult {
        try await download(listedUnder: prefix, from: bucket, to: directory, customerKey: customerKey, progress: progress) { next in
            // The whole bucket is listed with no prefix parameter rather than an empty one.
            for try await entry in bucket.keys(prefix: prefix.isEmpty ? nil : prefix) {
                guard case .object(let object) = entry else { continue }
                listed?(object)
                next(object)
            }
        }
    }

    /// ``downloadPrefix(_:from:to:customerKey:progress:listed:)`` of objects the caller has already
    /// listed under `prefix`, so a tree is not listed twice.
    public func download(
        _ objects: [ObjectSummary], listedUnder prefix: String, from bucket: Bucket, to directory: String,
        customerKey: CustomerKey? = nil, progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        try await download(listedUnder: prefix, from: bucket, to: directory, customerKey: customerKey, progress: progress) { next in
            objects.forEach(next)
        }
    }

    /// Downloads the objects `produce` hands over, listed under `prefix`, each to its path below
    /// `directory` as soon as it is handed over; keys that map to no file there are refused.
    private func download(
        listedUnder prefix: String, from bucket: Bucket, to directory: String, customerKey: CustomerKey?,
        progress: TransferProgressHandler?, _ produce: (_ next: (ObjectSummary) -> Void) async throws -> Void
    ) async throws -> DirectoryTransferResult {
        let base = Self.folderPrefix(directory)
        var refused: [(item: String, error: any Error)] = []
        var result = try await download(from: bucket, customerKey: customerKey, progress: progress) { next in
            try await withoutActuallyEscaping(next) { next in
                try await produce { object in
                    if let path = Self.localPath(forKey: object.key, prefix: prefix, below: base) {
                        next(FileTransfer(path: path, key: object.key, size: object.size))
                    } else {
                        refused.append((object.key, MSSClientError.invalidArgument("'\(object.key)' does not map to a file below \(directory)")))
                    }
                }
            }
        }
        result.failures += refused
        return result
    }

    /// Downloads each key to its file (making the directories it needs), at most
    /// `configuration.smallFileConcurrency` keys of known size up to `partSize` and
    /// `configuration.concurrency` bigger ones at once; a failed key is recorded and the others
    /// go on.
    /// `customerKey` is the SSE-C key the objects are stored with, if any.
    public func download(
        _ files: [FileTransfer], from bucket: Bucket, customerKey: CustomerKey? = nil, progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        try await download(from: bucket, customerKey: customerKey, progress: progress) { next in files.forEach(next) }
    }

    /// ``download(_:from:customerKey:progress:)`` of the files `produce` hands over, each
    /// starting as soon as it is handed over.
    private func download(
        from bucket: Bucket, customerKey: CustomerKey?, progress: TransferProgressHandler?,
        _ produce: (_ next: (FileTransfer) -> Void) async throws -> Void
    ) async throws -> DirectoryTransferResult {
        let partSize = configuration.partSize
        // Files of a tree mostly share their folders: each folder is made once, not stat'ed and
        // made again for every file in it.
        let madeFolders = Mutex(Set<String>())
        return try await transferEach(
            produce, recordedAs: (done: \.path, failed: \.key), oneRequest: { ($0.size ?? .max) <= partSize }, progress: progress
        ) { manager, file in
            let folder = Self.folder(of: file.path)
            if !madeFolders.withLock({ $0.contains(folder) }) {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                madeFolders.withLock { _ = $0.insert(folder) }
            }
            _ = try await manager.download(
                bucket.newKey(file.key), toFile: file.path, knownSize: file.size, resumeFile: nil, customerKey: customerKey, progress: nil)
        }
    }

    /// Copies every object under `prefix` of `source` to `destinationPrefix` + the rest of its
    /// key in `destination`, on the server.
    ///
    /// - Parameters:
    ///   - prefix: the keys to copy; their rest after it is kept.
    ///   - source: the bucket they are in.
    ///   - destination: the bucket to copy into; may be `source`.
    ///   - destinationPrefix: what replaces `prefix` in the new keys.
    ///   - encryption: how the copies are encrypted at rest (none when nil, as in S3, whatever
    ///     the sources were).
    ///   - sourceCustomerKey: the SSE-C key the sources are stored with, if any.
    ///   - progress: told of the bytes copied so far.
    public func copyPrefix(
        _ prefix: String, from source: Bucket, to destination: Bucket, destinationPrefix: String,
        encryption: ServerSideEncryption? = nil, sourceCustomerKey: CustomerKey? = nil,
        progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        let objects = try await source.allKeys(prefix: prefix)
        // `path` holds the destination key here.
        let items = objects.map { FileTransfer(path: destinationPrefix + $0.key.dropFirst(prefix.count), key: $0.key, size: $0.size) }
        // A copy is one request on the client's side whatever its size, but a big one is long work
        // on the server's: those run at the smaller budget.
        let threshold = configuration.multipartThreshold
        return try await transferEach(
            items, recordedAs: (done: \.path, failed: \.key), oneRequest: { ($0.size ?? .max) <= threshold }, progress: progress
        ) { manager, item in
            try await manager.copy(
                source.newKey(item.key), to: destination.newKey(item.path), encryption: encryption, sourceCustomerKey: sourceCustomerKey)
        }
    }

    /// Where `key`, listed under `prefix`, lands below `directory`; nil for keys that would land
    /// outside it (`..`, `.`) or name no file (empty, ending in `/`).
    public static func localPath(forKey key: String, prefix: String, in directory: String) -> String? {
        localPath(forKey: key, prefix: prefix, below: folderPrefix(directory))
    }

    /// `directory` made absolute and standardised, with a slash at its end: what local paths of
    /// keys start with. Worked out once for a whole listing.
    static func folderPrefix(_ directory: String) -> String {
        // Joined as strings after this: URL's file-path initialiser and appending look at the
        // disk to tell a folder from a file.
        let base = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL.path
        return base.hasSuffix("/") ? base : base + "/"
    }

    /// ``localPath(forKey:prefix:in:)`` below a ``folderPrefix(_:)``.
    static func localPath(forKey key: String, prefix: String, below base: String) -> String? {
        let relative = String(key.dropFirst(prefix.count))
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard key.hasPrefix(prefix), !components.isEmpty, !components.contains(".."), !components.contains("."), !relative.hasSuffix("/")
        else { return nil }
        return base + components.joined(separator: "/")
    }

    /// The folder a downloaded file goes into: its path up to the last slash.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Runs `work` for each item under one progress meter, recording each item under its `done`
    /// name or, with its error, its `failed` name. Items that take `oneRequest` run up to
    /// `smallFileConcurrency` at once; the others, at the same time, up to `concurrency`, and
    /// their own parts share that budget.
    private func transferEach(
        _ items: [FileTransfer], recordedAs names: (done: any KeyPath<FileTransfer, String> & Sendable, failed: any KeyPath<FileTransfer, String> & Sendable),
        oneRequest: @escaping (FileTransfer) -> Bool, progress: TransferProgressHandler?,
        _ work: @escaping @Sendable (TransferManager, FileTransfer) async throws -> Void
    ) async throws -> DirectoryTransferResult {
        try await transferEach({ next in items.forEach(next) }, recordedAs: names, oneRequest: oneRequest, progress: progress, work)
    }

    /// ``transferEach(_:recordedAs:oneRequest:progress:_:)`` of the items `produce` hands over
    /// to `next`: each is started as soon as a place is free, while `produce` goes on (a
    /// listing fetching its next page), and the progress total grows with each item.
    private func transferEach(
        _ produce: (_ next: (FileTransfer) -> Void) async throws -> Void,
        recordedAs names: (done: any KeyPath<FileTransfer, String> & Sendable, failed: any KeyPath<FileTransfer, String> & Sendable),
        oneRequest: @escaping (FileTransfer) -> Bool, progress: TransferProgressHandler?,
        _ work: @escaping @Sendable (TransferManager, FileTransfer) async throws -> Void
    ) async throws -> DirectoryTransferResult {
        let meter = ProgressMeter(total: 0, handler: progress)
        let results = ResultCollector()
        var perItem = self
        perItem.configuration.concurrency = max(1, configuration.concurrency / 2)
        let manager = perItem
        let each: @Sendable (FileTransfer) async throws -> Void = { item in
            try await results.run(done: item[keyPath: names.done], failed: item[keyPath: names.failed], bytes: item.size ?? 0, meter: meter) {
                try await work(manager, item)
            }
        }
        // Two queues, so that small files never wait behind big ones for a place.
        let (small, smallQueue) = AsyncStream.makeStream(of: FileTransfer.self)
        let (big, bigQueue) = AsyncStream.makeStream(of: FileTransfer.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [configuration] in try await Self.forEach(small, limit: configuration.smallFileConcurrency, each) }
            group.addTask { [configuration] in try await Self.forEach(big, limit: configuration.concurrency, each) }
            // The queues end either way; after a failure the group cancels what is running.
            func finish() {
                smallQueue.finish()
                bigQueue.finish()
            }
            do {
                try await produce { item in
                    meter.grow(by: item.size ?? 0)
                    (oneRequest(item) ? smallQueue : bigQueue).yield(item)
                }
            } catch {
                finish()
                throw error
            }
            finish()
            try await group.waitForAll()
        }
        return results.result
    }
}

final class ResultCollector: Sendable {
    private let state = Mutex(DirectoryTransferResult(transferred: [], failures: [], bytes: 0))

    /// Runs one item's transfer and records its outcome; only cancellation stops the whole batch.
    func run(done: String, failed item: String, bytes: Int64, meter: ProgressMeter, _ work: () async throws -> Void) async throws {
        do {
            try await work()
            meter.add(bytes)
            state.withLock {
                $0.transferred.append(done)
                $0.bytes = $0.bytes.addingReportingOverflow(bytes).overflow ? .max : $0.bytes &+ bytes
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            state.withLock { $0.failures.append((item, error)) }
        }
    }

    var result: DirectoryTransferResult { state.withLock { $0 } }
}
