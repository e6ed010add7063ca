import MSS

/// The objects a command takes from a remote path: every key under the prefix, or with a wildcard
/// (`mss://b/photos/*.jpg`) the keys it matches, less what `--include`/`--exclude` leave out.
///
/// A wildcard is listed from the literal part before it; relative paths, which filters match and
/// copies keep below their destination, start after the last `/` of that literal part.
struct RemoteScope: Sendable {
    let bucket: String
    /// What to ask the server to list.
    let listPrefix: String
    /// Relative paths start after this.
    let root: String
    /// The wildcard part, matched against the relative path.
    let pattern: GlobPattern?
    let selection: Selection

    init(bucket: String, key: String, selection: Selection) throws {
        self.bucket = bucket
        self.selection = selection
        let glob = selection.raw ? nil : try GlobPattern(key, syntax: .path)
        if let glob, glob.hasWildcards {
            let (directory, rest) = glob.splitAtDirectory()
            listPrefix = glob.literalPrefix
            root = directory
            pattern = rest
        } else {
            listPrefix = key
            root = key
            pattern = nil
        }
    }

    var isWildcard: Bool { pattern != nil }

    /// Whether filters or a wildcard narrow the listing at all.
    var narrows: Bool { pattern != nil || !selection.isEmpty }

    var location: Location { .remote(bucket: bucket, key: pattern.map { root + $0.description } ?? root) }

    func relative(_ key: String) -> String {
        Selection.relative(key, under: root)
    }

    /// Whether the object `key` is taken.
    func selects(_ key: String) -> Bool {
        // Plain listings pay nothing for this.
        guard narrows else { return true }
        let relative = relative(key)
        if let pattern, !pattern.matches(relative) { return false }
        return selection.includes(relative)
    }

    /// Whether a common prefix (`photos/2020/`) of a listing one level deep is shown: filters see
    /// it as its relative path with the trailing `/`.
    func selectsPrefix(_ prefix: String) -> Bool {
        pattern == nil && (selection.isEmpty || selection.includes(relative(prefix)))
    }

    /// Every selected object, in key order; a listing error ends it.
    func objects(_ bucket: Bucket) async throws -> [ObjectSummary] {
        var objects: [ObjectSummary] = []
        for try await entry in bucket.keys(prefix: listPrefix.isEmpty ? nil : listPrefix) {
            if case .object(let object) = entry, selects(object.key) { objects.append(object) }
        }
        return objects
    }
}
