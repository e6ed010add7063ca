public import Foundation

#if canImport(CNIOLinux)
// `struct stat` reaches this module through NIO's C shim on Linux, and its members are only
// visible where that module is imported (MemberImportVisibility).
import CNIOLinux
#endif

/// The regular files below a folder, found in one walk, and what the walk passed over: what a
/// directory upload sends, and what it must say it did not.
///
/// Symbolic links are not followed: a link to a folder above would walk forever, and a link out
/// of the tree would send what nobody named. They, anything else that is neither a regular file
/// nor a folder (pipes, sockets, devices), folders that cannot be read and names that are not
/// UTF-8 (no key can hold them) are listed in ``skipped``, so that a caller can say what was
/// left out instead of leaving it out silently. The folder named itself may be a link.
public struct LocalFileTree: Sendable {
    /// A regular file of the tree.
    public struct File: Sendable, Hashable {
        /// The folder's path (made absolute and standardized), `/`, then ``relativePath``.
        public var path: String
        /// The path below the folder, components separated by `/`.
        public var relativePath: String
        /// The size `lstat` told when the walk passed: a small file is then read whole without
        /// asking again.
        public var size: Int64
        /// The modification time `lstat` told, which `sync` compares with the object's.
        public var modified: Date

        /// A file as a walk finds it; for callers that find files their own way (a wildcard).
        public init(path: String, relativePath: String, size: Int64, modified: Date) {
            self.path = path
            self.relativePath = relativePath
            self.size = size
            self.modified = modified
        }
    }

    /// Something below the folder that is not in ``files``, kept so that it can be named to
    /// whoever expected it to be sent.
    public struct Skipped: Sendable, Hashable, CustomStringConvertible {
        /// Why an entry was passed over.
        public enum Reason: Sendable, Hashable {
            /// Not followed: it may lead above the folder (a loop) or out of the tree.
            case symbolicLink
            /// A pipe, socket or device.
            case notARegularFile
            /// A folder that could not be opened or read to its end, or an entry whose status
            /// could not be read; what is below it is unknown.
            case unreadable(errno: Int32)
            /// A name that is not UTF-8; the path shows it with replacement characters.
            case nameNotUTF8
        }

        /// The folder's path (as in ``File/path``), `/`, then ``relativePath``.
        public var path: String
        /// The path below the folder, components separated by `/`.
        public var relativePath: String
        /// Why it was passed over.
        public var reason: Reason

        /// Whether a caller that sends only the paths `includes` takes should name this entry:
        /// an unreadable folder always, since what it holds (and whether that was wanted) is unknown.
        public func concerns(_ includes: (String) -> Bool) -> Bool {
            if case .unreadable = reason { return true }
            return includes(relativePath)
        }

        /// The path and the reason, as a person reads them.
        public var description: String {
            switch reason {
            case .symbolicLink: "\(path): a symbolic link (not followed)"
            case .notARegularFile: "\(path): not a regular file"
            case .unreadable(let code): "\(path): \(String(cString: strerror(code)))"
            case .nameNotUTF8: "\(path): the name is not UTF-8"
            }
        }
    }

    /// The folder as walked: absolute and standardized.
    public let root: String
    /// Sorted by ``File/relativePath``, so uploads, answers and sync plans come out in the same
    /// order on every run and filesystem (a folder's entries come in no particular order).
    public private(set) var files: [File] = []
    /// Sorted by ``Skipped/relativePath``, for the same reason.
    public private(set) var skipped: [Skipped] = []

    /// Walks `directory`. Throws when `directory` itself cannot be opened as a folder (missing,
    /// or a file): a tree that is not there is an error, not an empty tree. What cannot be read
    /// below it is listed in ``skipped``.
    public init(walking directory: String) throws {
        root = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard let stream = opendir(root) else {
            let code = errno
            throw MSSClientError(.fileError, "cannot read the directory \(directory): \(String(cString: strerror(code)))")
        }
        // Folders waiting to be read, rather than recursion: the stack a walk uses does not grow
        // with the tree's depth (paths may be 4,096 bytes long, thousands of levels).
        var waiting = walk(stream, folder: root == "/" ? "" : root, relative: "")
        while let folder = waiting.popLast() {
            guard let stream = opendir(folder.path) else {
                let code = errno
                skipped.append(Skipped(path: folder.path, relativePath: folder.relative, reason: .unreadable(errno: code)))
                continue
            }
            waiting += walk(stream, folder: folder.path, relative: folder.relative)
        }
        files.sort { $0.relativePath < $1.relativePath }
        skipped.sort { $0.relativePath < $1.relativePath }
    }

    /// Reads the open folder `stream` (at `folder`, `relative` below the root) and closes it, so
    /// that one folder is open at a time however deep the tree; returns its subfolders.
    private mutating func walk(_ stream: DirectoryStream, folder: String, relative: String) -> [(path: String, relative: String)] {
        var subfolders: [(path: String, relative: String)] = []
        while true {
            // readdir answers nil at the end and on an error alike; only errno tells them apart.
            errno = 0
            guard let entry = readdir(stream) else {
                let code = errno
                if code != 0 {
                    skipped.append(Skipped(path: folder.isEmpty ? "/" : folder, relativePath: relative, reason: .unreadable(errno: code)))
                }
                break
            }
            // The name as long as it is: the entry's record may end before `d_name`'s declared size.
            let raw = withUnsafePointer(to: &entry.pointee.d_name) { name in
                name.withMemoryRebound(to: UInt8.self, capacity: 1) { Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)))) }
            }
            if raw == [0x2E] || raw == [0x2E, 0x2E] { continue }
            let name = String(decoding: raw, as: UTF8.self)
            let path = folder + "/" + name
            let below = relative.isEmpty ? name : relative + "/" + name
            guard String(bytes: raw, encoding: .utf8) != nil else {
                skipped.append(Skipped(path: path, relativePath: below, reason: .nameNotUTF8))
                continue
            }
            var status = stat()
            guard lstat(path, &status) == 0 else {
                let code = errno
                skipped.append(Skipped(path: path, relativePath: below, reason: .unreadable(errno: code)))
                continue
            }
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                files.append(File(path: path, relativePath: below, size: Int64(status.st_size), modified: Self.modified(status)))
            case S_IFDIR:
                subfolders.append((path, below))
            case S_IFLNK:
                skipped.append(Skipped(path: path, relativePath: below, reason: .symbolicLink))
            default:
                skipped.append(Skipped(path: path, relativePath: below, reason: .notARegularFile))
            }
        }
        closedir(stream)
        return subfolders
    }

    private static func modified(_ status: stat) -> Date {
        #if canImport(Darwin)
        let time = status.st_mtimespec
        #else
        let time = status.st_mtim
        #endif
        return Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000)
    }
}

#if canImport(Darwin)
private typealias DirectoryStream = UnsafeMutablePointer<DIR>
#else
private typealias DirectoryStream = OpaquePointer
#endif
