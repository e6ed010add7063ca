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
