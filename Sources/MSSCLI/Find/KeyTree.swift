/// Keys as a hierarchy of `/`-separated names, for `mss tree`: what to draw, line by line.
struct KeyTree {
    final class Node {
        var children: [String: Node] = [:]
        var isDirectory: Bool
        /// The object's size, or for a directory every object's below it, at any depth.
        var size: Int64 = 0

        init(isDirectory: Bool) {
            self.isDirectory = isDirectory
        }
    }

    struct Line: Equatable {
        /// The drawing before the name: `│   ├── `.
        var indent: String
        var name: String
        /// The path below the root, with a trailing `/` for a directory.
        var path: String
        var depth: Int
        var isDirectory: Bool
        var size: Int64
    }

    let root = Node(isDirectory: true)
    /// Deeper names count in their directories' sizes but are not kept.
    let maximumDepth: Int?

    init(maximumDepth: Int? = nil) {
        self.maximumDepth = maximumDepth
    }

    /// Adds an object by its path below the root. A path ending in `/` (a folder marker) makes only
    /// its directories.
    func add(_ relative: String, size: Int64) {
        var components = relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let isMarker = components.last == ""
        if isMarker { components.removeLast() }
        var node = root
        node.size = node.size &+ size
        for (index, name) in components.enumerated() {
            let isLast = index == components.count - 1
            let depth = index + 1
            if let maximumDepth, depth > maximumDepth { return }
            let directory = !isLast || isMarker
            let child: Node
            if let existing = node.children[name] {
                child = existing
                // A name that is both an object and a directory (`a` and `a/b`) is shown as the directory.
                if directory { child.isDirectory = true }
            } else {
                child = Node(isDirectory: directory)
                node.children[name] = child
            }
            child.size = child.size &+ size
            node = child
        }
    }

    /// The drawing, depth first, names in order; with `directoriesOnly` no objects.
    func lines(directoriesOnly: Bool) -> [Line] {
        var lines: [Line] = []
        func walk(_ node: Node, indent: String, path: String, depth: Int) {
            let names = node.children.keys.filter { !directoriesOnly || node.children[$0]?.isDirectory == true }.sorted()
            for (index, name) in names.enumerated() {
                guard let child = node.children[name] else { continue }
                let last = index == names.count - 1
                let childPath = path + name + (child.isDirectory ? "/" : "")
                lines.append(
                    Line(indent: indent + (last ? "└── " : "├── "), name: name, path: childPath, depth: depth, isDirectory: child.isDirectory, size: child.size))
                if child.isDirectory { walk(child, indent: indent + (last ? "    " : "│   "), path: childPath, depth: depth + 1) }
            }
        }
        walk(root, indent: "", path: "", depth: 1)
        return lines
    }

    /// `3 directories, 10 files`, as tree(1) words it.
    static func summary(directories: Int, files: Int?) -> String {
        let directoryWords = "\(directories) director\(directories == 1 ? "y" : "ies")"
        guard let files else { return directoryWords }
        return directoryWords + ", \(files) file\(files == 1 ? "" : "s")"
    }
}
