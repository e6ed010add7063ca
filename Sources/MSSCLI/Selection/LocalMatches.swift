import Foundation
import MSS

/// Local files a quoted wildcard (`mss cp 'photos/*.jpg' mss://b/`) names, when the shell did not
/// expand it: the walk starts at the literal directory before the first wildcard and goes no deeper
/// than the pattern can reach.
enum LocalMatches {
    /// Whether `path` is a wildcard rather than a file: it has wildcards, and no file has that
    /// very name.
    static func wildcard(_ path: String, raw: Bool) throws -> GlobPattern? {
        guard !raw, !FileManager.default.fileExists(atPath: path) else { return nil }
        let glob = try GlobPattern(path, syntax: .path)
        return glob.hasWildcards ? glob : nil
    }

    /// The regular files `glob` matches that `selection` takes, relative to the literal directory.
    static func files(_ glob: GlobPattern, selection: Selection) -> (directory: String, files: [LocalFileTree.File]) {
        let (directory, rest) = glob.splitAtDirectory()
        let root = URL(fileURLWithPath: directory.isEmpty ? "." : directory).standardizedFileURL
        let depthLimit = rest.maximumComponents
        let keys: [URLResourceKey] = [.isRegularFileKey, .isDirectoryKey, .fileSizeKey, .contentModificationDateKey]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: keys) else { return (directory, []) }
        var files: [LocalFileTree.File] = []
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { continue }
            let relative = Selection.relative(url.standardizedFileURL.path, under: root.path)
            let depth = relative.reduce(1) { $1 == "/" ? $0 + 1 : $0 }
            if values.isDirectory == true {
                if let depthLimit, depth >= depthLimit { walker.skipDescendants() }
                continue
            }
            guard values.isRegularFile == true, rest.matches(relative), selection.includes(relative) else { continue }
            files.append(
                LocalFileTree.File(path: url.path, relativePath: relative, size: Int64(values.fileSize ?? 0), modified: values.contentModificationDate ?? .distantPast))
        }
        return (directory, files.sorted { $0.relativePath < $1.relativePath })
    }
}
