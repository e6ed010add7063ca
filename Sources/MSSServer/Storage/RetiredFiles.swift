import Foundation
import Synchronization

/// The data files of replaced and deleted versions, kept for a grace period so that a GET which
/// looked the version up just before can still stream it. Remembered so that a clean close
/// removes them at once: the next start, which trusts the index, does not look for them.
final class RetiredFiles: Sendable {
    private let paths = Mutex<Set<String>>([])

    func add(_ path: String) {
        paths.withLock { _ = $0.insert(path) }
    }

    /// Removes the file at `path`, if it is still waiting.
    func remove(_ path: String) {
        guard paths.withLock({ $0.remove(path) }) != nil else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Removes every waiting file.
    func removeAll() {
        for path in paths.withLock({ $0.subtracting([]) }) {
            remove(path)
        }
    }
}
