import Foundation
import MSS

/// Tells when anything below a directory changes: Linux inotify on every directory of the tree
/// (new subdirectories are watched as they appear), or where inotify is not available, a listing
/// compared once a second. The inotify descriptor is non-blocking and read between short sleeps,
/// so waiting never holds a thread and ends as soon as the task is cancelled.
final class DirectoryWatcher {
    private let root: String
    private var descriptor: Int32 = -1
    private var watches: [Int32: String] = [:]
    private var snapshot: [String: String] = [:]

    /// Whether inotify is in use (else polling).
    var usesInotify: Bool { descriptor >= 0 }

    private static let events: UInt32 =
        0x0000_0002 /* IN_MODIFY */ | 0x0000_0004 /* IN_ATTRIB */ | 0x0000_0008 /* IN_CLOSE_WRITE */
        | 0x0000_0040 /* IN_MOVED_FROM */ | 0x0000_0080 /* IN_MOVED_TO */ | 0x0000_0100 /* IN_CREATE */
        | 0x0000_0200 /* IN_DELETE */ | 0x0000_0400 /* IN_DELETE_SELF */
    private static let isDirectory: UInt32 = 0x4000_0000
    private static let created: UInt32 = 0x0000_0100 | 0x0000_0080
    /// The fixed part of `struct inotify_event`: wd, mask, cookie, len.
    private static let headerSize = 16

    init(directory: String) {
        root = URL(fileURLWithPath: directory).standardizedFileURL.path
        descriptor = inotify_init1(Int32(O_NONBLOCK | O_CLOEXEC))
        if descriptor >= 0 {
            watchTree(root)
        } else {
            snapshot = Self.listing(root)
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Returns once something changed and then nothing more changed for `debounce`.
    func waitForChange(debounce: Duration) async throws {
        while !(try await changedSinceLastLook()) {
            try await Task.sleep(for: usesInotify ? .milliseconds(100) : .seconds(1))
        }
        var quiet = ContinuousClock.now
        while ContinuousClock.now - quiet < debounce {
            try await Task.sleep(for: .milliseconds(usesInotify ? 50 : 250))
            if try await changedSinceLastLook() { quiet = .now }
        }
    }

    private func changedSinceLastLook() async throws -> Bool {
        try Task.checkCancellation()
        if usesInotify { return drain() }
        let now = Self.listing(root)
        defer { snapshot = now }
        return now != snapshot
    }

    /// Reads every event waiting; watches directories that were created or moved in.
    private func drain() -> Bool {
        var changed = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return changed }
            changed = true
            var offset = 0
            while offset + Self.headerSize <= count {
                let (wd, mask, length) = buffer.withUnsafeBytes { bytes in
                    (bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self), bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                guard length <= count - offset - Self.headerSize else { break }
                let nameBytes = buffer[(offset + Self.headerSize)..<(offset + Self.headerSize + length)].prefix { $0 != 0 }
                if mask & Self.isDirectory != 0, mask & Self.created != 0, let parent = watches[wd] {
                    watchTree(parent + "/" + String(decoding: nameBytes, as: UTF8.self))
                }
                offset += Self.headerSize + length
            }
        }
    }

    /// Watches `directory` and every directory below it.
    private func watchTree(_ directory: String) {
        let added = inotify_add_watch(descriptor, directory, Self.events)
        if added >= 0 { watches[added] = directory }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries {
            let path = directory + "/" + entry
            // The entry itself, as lstat sees it: a symbolic link to a directory is not followed, so
            // a loop cannot recurse forever.
            let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
            if type == .typeDirectory { watchTree(path) }
        }
    }

    /// Relative path → size and time, for polling.
    private static func listing(_ root: String) -> [String: String] {
        Dictionary(
            ((try? LocalFileTree(walking: root))?.files ?? []).map { ($0.relativePath, "\($0.size) \($0.modified.timeIntervalSince1970)") },
            uniquingKeysWith: { first, _ in first })
    }
}
