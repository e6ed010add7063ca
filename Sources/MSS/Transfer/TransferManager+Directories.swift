public import Foundation
import S3Protocol

/// The outcome of a directory transfer: what moved and what did not.
public struct DirectoryTransferResult: Sendable {
    /// Keys uploaded, or files written.
    public var transferred: [String]
    /// Each file or key that failed, with the error.
    public var failures: [(item: String, error: any Error)]
    public var bytes: Int64
}

extension TransferManager {
    /// Uploads every regular file below `directory` to `prefix` + its relative path, with at most
    /// `configuration.concurrency` files in flight across the whole tree. `options` gives each
    /// file's put options (a content type by extension, say) from its path.
    public func uploadDirectory(
        _ directory: String, to bucket: Bucket, prefix: String = "", options: @escaping @Sendable (String) -> PutOptions = { _ in PutOptions() },
        progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey], options: [])
        else { throw MSSClientError(.fileError, "cannot read the directory \(directory)") }
        var files: [(path: String, key: String, size: Int64)] = []
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(root.path.count)).drop { $0 == "/" }
            files.append((url.path, prefix + relative, Int64(values.fileSize ?? 0)))
        }
        let total = files.reduce(0) { $0 + $1.size }
        let meter = ProgressMeter(total: total, handler: progress)
        let results = ResultCollector()
        let perFile = perFileManager()
        let list = files
        try await Self.forEach(list.indices, limit: configuration.concurrency) { index in
            let file = list[index]
            try await results.run(done: file.key, failed: file.path, bytes: file.size, meter: meter) {
                try await perFile.upload(file: file.path, to: bucket.newKey(file.key), options: options(file.path), progress: nil)
            }
        }
        return results.result
    }

    /// The manager each file of a tree is moved with: its parts share the tree's concurrency.
    private func perFileManager() -> TransferManager {
        var manager = self
        manager.configuration.concurrency = max(1, configuration.concurrency / 2)
        return manager
    }

    /// Downloads every object under `prefix` into `directory`, keeping the key's path below the
    /// prefix. Keys that would land outside `directory` (`..`, absolute) are refused, not written.
    public func downloadPrefix(
        _ prefix: String, from bucket: Bucket, to directory: String, progress: TransferProgressHandler? = nil
    ) async throws -> DirectoryTransferResult {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        let objects = try await bucket.allKeys(prefix: prefix)
        let meter = ProgressMeter(total: objects.reduce(0) { $0 + $1.size }, handler: progress)
        let results = ResultCollector()
        let perFile = perFileManager()
        try await Self.forEach(objects.indices, limit: configuration.concurrency) { index in
            let object = objects[index]
            let relative = String(object.key.dropFirst(prefix.count))
            let components = relative.split(separator: "/", omittingEmptySubsequences: true)
            guard !components.isEmpty, !components.contains(".."), !components.contains("."), !relative.hasSuffix("/") else {
                results.failed(object.key, MSSClientError.invalidArgument("'\(object.key)' does not map to a file below \(directory)"))
                return
            }
            let target = root.appendingPathComponent(components.joined(separator: "/"))
            try await results.run(done: target.path, failed: object.key, bytes: object.size, meter: meter) {
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                _ = try await perFile.download(
                    bucket.newKey(object.key), toFile: target.path, knownSize: object.size, resumeFile: nil, progress: nil)
            }
        }
        return results.result
    }
}

import Synchronization

final class ResultCollector: Sendable {
    private let state = Mutex(DirectoryTransferResult(transferred: [], failures: [], bytes: 0))
    func succeeded(_ item: String, bytes: Int64) {
        state.withLock {
            $0.transferred.append(item)
            $0.bytes += bytes
        }
    }
    func failed(_ item: String, _ error: any Error) { state.withLock { $0.failures.append((item, error)) } }

    /// Runs one item's transfer and records its outcome; only cancellation stops the whole tree.
    func run(done: String, failed item: String, bytes: Int64, meter: ProgressMeter, _ work: () async throws -> Void)
        async throws
    {
        do {
            try await work()
            meter.add(bytes)
            succeeded(done, bytes: bytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            failed(item, error)
        }
    }
    var result: DirectoryTransferResult { state.withLock { $0 } }
}
