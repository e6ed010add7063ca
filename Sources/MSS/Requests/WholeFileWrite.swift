import Foundation
import NIOCore
import NIOPosix

/// Writing a small body that is already in memory to its file in one trip to a thread pool.
/// A tree of small downloads then costs one thread hop a file instead of one for each of open,
/// write and close, and the file still appears whole or not at all, as with NIO's
/// transactional creation.
///
/// On Linux the file is written unnamed (`O_TMPFILE`) and then linked under its name: one
/// change of the folder instead of three (create a temporary name, then rename it, which
/// removes one entry and adds another), and nothing left behind if the process dies before the
/// link. Two threads writing into one folder wait on its lock for each of those changes; in a
/// download of 2,000 small files the rename alone was 8% of the client's time. Elsewhere, or
/// where the filesystem or `/proc` does not allow it, the file is written under a temporary
/// name beside the target and renamed over it.
enum WholeFileWrite {
    /// Bodies up to this size are collected and written whole.
    static let limit: Int64 = 1 << 20

    static func replace(_ path: String, with bytes: ByteBuffer) async throws {
        let failure: String? = try await NIOThreadPool.singleton.runIfActive {
            bytes.withUnsafeReadableBytes { buffer in
                #if os(Linux)
                if let outcome = linkedIntoPlace(path, buffer) { return outcome.failure }
                #endif
                return renamedIntoPlace(path, buffer)
            }
        }
        if let failure { throw MSSClientError(.fileError, failure) }
    }

    private static func temporaryName(for path: String) -> String {
        path + ".mss-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    private static func problem(_ path: String, _ code: Int32) -> String {
        "cannot write \(path): \(String(cString: strerror(code)))"
    }

    /// Writes all of `buffer` to `descriptor`; returns an errno, or nil.
    private static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let written = write(descriptor, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Creates a temporary file beside the target, writes, closes and renames it over the target.
    private static func renamedIntoPlace(_ path: String, _ buffer: UnsafeRawBufferPointer) -> String? {
        let temporary = temporaryName(for: path)
        // 0644 less the umask, NIO's default for new files.
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return problem(path, errno) }
        var failure = writeAll(descriptor, buffer).map { problem(path, $0) }
        if close(descriptor) != 0, failure == nil { failure = problem(path, errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = problem(path, errno) }
        if failure != nil { unlink(temporary) }
        return failure
    }

    #if os(Linux)
    struct Outcome {
        var failure: String?
    }

    /// `O_TMPFILE`: not imported by Glibc's module (it needs `_GNU_SOURCE`). `__O_TMPFILE` is
    /// 0o20000000 on every architecture Swift runs on; `O_DIRECTORY` differs between them.
    private static let unnamedFile: Int32 = 0o20000000 | O_DIRECTORY

    /// Writes the body to an unnamed file in the target's folder and links it under the
    /// target's name (or, when a file is there already, under a temporary name renamed over
    /// it). Nil when this system cannot: no `O_TMPFILE` here, or no `/proc` to link through;
    /// the caller then takes the named way, which also reports a missing folder as it should.
    private static func linkedIntoPlace(_ path: String, _ buffer: UnsafeRawBufferPointer) -> Outcome? {
        let descriptor = open(TransferManager.folder(of: path), O_WRONLY | unnamedFile | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        if let code = writeAll(descriptor, buffer) {
            // Never named, so closing it is all the cleaning up there is.
            close(descriptor)
            return Outcome(failure: problem(path, code))
        }
        let handle = "/proc/self/fd/\(descriptor)"
        var linked = path
        if linkat(AT_FDCWD, handle, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0 {
            guard errno == EEXIST else {
                close(descriptor)
                return nil
            }
            // Replacing a file: linked under a fresh name, then renamed over it in one step.
            linked = temporaryName(for: path)
            guard linkat(AT_FDCWD, handle, AT_FDCWD, linked, AT_SYMLINK_FOLLOW) == 0 else {
                let code = errno
                close(descriptor)
                return Outcome(failure: problem(path, code))
            }
        }
        // A filesystem that reports a failed write only at close: the file is named by now,
        // so it is taken away again.
        if close(descriptor) != 0 {
            let code = errno
            unlink(linked)
            return Outcome(failure: problem(path, code))
        }
        if linked != path, rename(linked, path) != 0 {
            let code = errno
            unlink(linked)
            return Outcome(failure: problem(path, code))
        }
        return Outcome(failure: nil)
    }
    #endif
}
