import CSyncFS
import Foundation

/// Group commit: makes the store's recent file changes durable with one flush shared by every
/// write waiting at the same time, instead of an fsync per file and folder.
///
/// On Linux a flush is `syncfs(2)` of the data directory's filesystem, which writes every dirty
/// page and inode there in one batch of I/O; a caller that arrives while a flush runs waits for
/// the next one, which starts as soon as the running one ends and covers everyone who waited
/// meanwhile. So 32 concurrent PUTs cost a few flushes rather than 128 fsyncs, each of which
/// costs a round trip to the disk (and, in a VM, an exit to the hypervisor). Where `syncfs` does
/// not exist, the caller's own files and folders are fsynced one by one, as named.
///
/// Blocking: call it on ``StoreIO``'s threads only.
final class DurabilityBarrier: @unchecked Sendable {
    /// One flush of the whole filesystem: 0, or the errno it failed with. Nil where there is
    /// none, and the fallback fsyncs what callers name.
    private let flush: (@Sendable () -> Int32)?
    /// The data directory opened for `syncfs`, closed with the barrier; -1 if none.
    private let descriptor: Int32
    private let path: String
    private let condition = NSCondition()
    /// The flushes so far, with the errno of those that failed; at most one runs at a time.
    private let rounds = FlushRounds<Int32>()

    /// A barrier over the filesystem that holds `directory`.
    convenience init(directory: String) throws {
        guard mss_syncfs_available() != 0 else {
            self.init(path: directory, descriptor: -1, flush: nil)
            return
        }
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DurableFiles.Failure(operation: "open", path: directory, code: errno) }
        self.init(path: directory, descriptor: descriptor) { mss_syncfs(descriptor) == 0 ? 0 : errno }
    }

    /// A barrier whose flushes are `flush` (tests count and fail them).
    init(path: String, descriptor: Int32 = -1, flush: (@Sendable () -> Int32)?) {
        self.path = path
        self.descriptor = descriptor
        self.flush = flush
    }

    /// Whether a flush covers the whole filesystem (`syncfs`), rather than only the files and
    /// folders callers name: what a checkpoint of the write-ahead log needs.
    var flushesWholeFilesystem: Bool { flush != nil }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Returns once every change the calling thread made before the call is on disk: file
    /// contents, and the names created, renamed or removed. `files` and `directories` name
    /// those changes for the fallback, which fsyncs exactly them.
    func makeDurable(files: [String], directories: [String]) throws {
        guard let flush else {
            for file in files { try DurableFiles.fsyncFile(file) }
            for directory in directories { try DurableFiles.fsyncDirectory(directory) }
            return
        }
        condition.lock()
        defer { condition.unlock() }
        let failure = rounds.waitForCoveringFlush(condition, begin: {}) { _ in
            let code = flush()
            return code == 0 ? nil : code
        }
        if let code = failure {
            throw DurableFiles.Failure(operation: "syncfs", path: path, code: code)
        }
    }
}
