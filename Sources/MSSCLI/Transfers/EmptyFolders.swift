import Foundation

/// What `mss mv -r` does with the folders of a tree it has moved: those the move emptied go,
/// and nothing else does.
enum EmptyFolders {
    /// Removes each folder between a moved file and `root` (both included) that the move left
    /// empty, deepest first. Only `rmdir(2)`, which removes nothing but an empty folder: what
    /// the move did not take (a link it does not follow, a pipe, a file left out by a filter or
    /// made meanwhile) keeps its folders, and folders that held no moved file stay as they were.
    static func remove(emptiedBy movedFiles: [String], below root: String) {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        let inside = root.hasSuffix("/") ? root : root + "/"
        var folders = Set<String>()
        for file in movedFiles {
            var folder = (file as NSString).deletingLastPathComponent
            while folder == root || folder.hasPrefix(inside), folders.insert(folder).inserted, folder != root {
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        // A folder's path is longer than its parent's: children go first.
        for folder in folders.sorted(by: { $0.utf8.count > $1.utf8.count }) { rmdir(folder) }
    }
}
