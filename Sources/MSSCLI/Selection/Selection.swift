import MSS

/// Which items `--include` and `--exclude` let through, as `aws s3` decides: everything by default,
/// then each filter that matches an item's relative path says include or exclude, and the last
/// matching one on the command line wins.
struct Selection: Sendable {
    struct Filter: Sendable {
        var include: Bool
        var pattern: GlobPattern
    }

    var filters: [Filter] = []
    /// `--raw`: paths are taken literally, never as wildcards.
    var raw = false

    var isEmpty: Bool { filters.isEmpty }

    func includes(_ relative: String) -> Bool {
        for filter in filters.reversed() where filter.pattern.matches(relative) {
            return filter.include
        }
        return true
    }

    /// The files of a walked tree this selection takes, and what the walk left out that concerns
    /// it (``LocalFileTree/Skipped/concerns(_:)``): what a command sends, and what it names.
    func pick(_ tree: LocalFileTree) -> (files: [LocalFileTree.File], skipped: [LocalFileTree.Skipped]) {
        (tree.files.filter { includes($0.relativePath) }, tree.skipped.filter { $0.concerns(includes) })
    }

    /// `key` below `root`, compared character by character as S3 compares keys (not as Swift
    /// compares strings, which would let a combining accent join the character before it): below
    /// the directory `root/` when it is there, else the rest after `root`.
    static func relative(_ key: String, under root: String) -> String {
        let keyScalars = key.unicodeScalars
        if !root.isEmpty, !root.hasSuffix("/") {
            let directory = (root + "/").unicodeScalars
            if keyScalars.starts(with: directory) { return String(String.UnicodeScalarView(keyScalars.dropFirst(directory.count))) }
        }
        guard keyScalars.starts(with: root.unicodeScalars) else { return key }
        return String(String.UnicodeScalarView(keyScalars.dropFirst(root.unicodeScalars.count)))
    }
}
