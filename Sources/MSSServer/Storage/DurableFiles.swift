import Foundation

/// The few file operations the store builds on, so that every file and folder it makes is private
/// to the server's user, and a change is on disk, names included, before it is acknowledged.
enum DurableFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var path: String
        var code: Int32

        var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// Creates `path` and its missing parents, 0700, fsyncing the folder above each one made: a
    /// file renamed into a new folder is only durable once the folder's own entry is.
    static func ensureDirectory(_ path: String) throws {
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else { throw Failure(operation: "not a directory:", path: path, code: ENOTDIR) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path {
            try ensureDirectory(parent)
        }
        guard mkdir(path, directoryMode) == 0 || errno == EEXIST else {
            throw Failure(operation: "mkdir", path: path, code: errno)
        }
        if !parent.isEmpty && parent != path {
            try fsyncDirectory(parent)
        }
    }

    /// ``ensureDirectory(_:)`` of `parent` and of each of `names` in it, with one flush of
    /// `parent` for all those made.
    static func ensureDirectories(_ names: [String], in parent: String) throws {
        try ensureDirectory(parent)
        var made = false
        for name in names {
            let path = parent + "/" + name
            if mkdir(path, directoryMode) == 0 {
                made = true
            } else if errno == EEXIST {
                try ensureDirectory(path)
            } else {
                throw Failure(operation: "mkdir", path: path, code: errno)
            }
        }
        if made { try fsyncDirectory(parent) }
    }

    static func fsyncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw Failure(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(operation: "fsync", path: path, code: errno) }
    }

    static func fsyncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(operation: "fsync", path: path, code: errno) }
    }

    static func rename(_ source: String, to destination: String) throws {
        guard Foundation.rename(source, destination) == 0 else {
            throw Failure(operation: "rename to \(destination):", path: source, code: errno)
        }
    }

    /// Writes `data` to a new file at `path`, 0600, and fsyncs it unless `synchronize` is false
    /// (the caller makes it durable with others, through ``DurabilityBarrier``); on any failure
    /// the file is gone again.
    static func createFile(_ path: String, contents data: Data, synchronize: Bool = true) throws {
        try data.withUnsafeBytes { try createFile(path, bytes: $0, synchronize: synchronize) }
    }

    /// ``createFile(_:contents:synchronize:)`` of bytes wherever they are.
    static func createFile(_ path: String, bytes buffer: UnsafeRawBufferPointer, synchronize: Bool = true) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw Failure(operation: "create", path: path, code: errno) }
        var failure: Failure?
        do {
            try writeAll(buffer, to: descriptor, path: path)
        } catch {
            failure = error
        }
        if failure == nil && synchronize && fsync(descriptor) != 0 {
            failure = Failure(operation: "fsync", path: path, code: errno)
        }
        close(descriptor)
        if let failure {
            unlink(path)
            throw failure
        }
    }

    /// Puts `buffer` at `path` whole or not at all, without a flush (the write-ahead log's record
    /// stands for it until a checkpoint): written to `staging`, then renamed over `path`; on any
    /// failure the staging file is gone again.
    static func replaceUnflushed(_ path: String, bytes buffer: UnsafeRawBufferPointer, stagedAt staging: String) throws {
        try createFile(staging, bytes: buffer, synchronize: false)
        do {
            try rename(staging, to: path)
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// Writes `buffer` over whatever `path` holds, creating it 0600, without a flush and without
    /// a staging file: only for a file that a durable write-ahead log record stands for, which the
    /// next start writes again if this is cut short. A staging file and its rename would cost a
    /// second directory entry and, between folders, the filesystem's one rename lock: half the
    /// kernel time of a small PUT under 16 writers.
    static func overwriteUnflushed(_ path: String, bytes buffer: UnsafeRawBufferPointer) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw Failure(operation: "create", path: path, code: errno) }
        defer { close(descriptor) }
        try writeAll(buffer, to: descriptor, path: path)
    }

    /// Writes the whole of `buffer` to `descriptor` (the file at `path`), however many writes
    /// that takes: at the file's offset, or from `position` on (`pwrite`).
    static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32, path: String, at position: Int64? = nil) throws(Failure) {
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let written =
                if let position {
                    pwrite(descriptor, base + offset, buffer.count - offset, off_t(position) + off_t(offset))
                } else {
                    write(descriptor, base + offset, buffer.count - offset)
                }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", path: path, code: errno)
            }
            offset += written
        }
    }

    /// `count` bytes of `descriptor` from `offset` on, however many reads that takes; nil when
    /// the file ends before them or a read fails.
    static func readBytes(_ descriptor: Int32, count: Int, at offset: Int64) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            done += got
        }
        return bytes
    }

    /// Removes the file at `path`, if there is one.
    static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(operation: "unlink", path: path, code: errno) }
    }

    /// Clears group and other permissions of `path` when it has any; true when it changed.
    /// For what this store did not create itself: an existing data directory, and request bodies
    /// written by code that leaves the default mode.
    @discardableResult
    static func makePrivate(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 != 0 else { return false }
        return chmod(path, status.st_mode & 0o7700) == 0
    }
}
