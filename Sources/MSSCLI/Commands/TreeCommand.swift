import ArgumentParser
import MSS

struct TreeCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree", abstract: "Draw the keys under mss://bucket[/prefix] as a tree of directories and objects.",
        discussion: """
            Names split at /, directories shown with a trailing /, each level in name order, then a count: \
            "2 directories, 5 files". The whole listing is read before drawing.

            With --json, one object per line for each entry drawn (type, path below the root, name, depth, size: a \
            directory's is everything below it), then {"type":"summary",...}.
            """)

    @Argument(help: "mss://bucket[/prefix]")
    var path: String

    @Flag(name: .customShort("d"), help: "Directories only.")
    var directoriesOnly = false

    @Option(name: .customShort("L"), help: "Draw at most this many levels below the root.")
    var level: Int?

    @Flag(name: [.short, .long], help: "Show sizes: each object's, and for a directory everything below it.")
    var size = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (bucketName, key) = try location.remote("tree")
        if let level, level < 1 { throw CLIError.usage("-L takes a number of levels, 1 or more") }
        let prefix = Copier.treePrefix(key)
        let tree = KeyTree(maximumDepth: level)
        try await Session.run(global) { session in
            try await session.naming(location) {
                for try await entry in session.bucket(bucketName).keys(prefix: prefix.isEmpty ? nil : prefix) {
                    guard case .object(let object) = entry else { continue }
                    let relative = Selection.relative(object.key, under: prefix)
                    if !relative.isEmpty { tree.add(relative, size: object.size) }
                }
            }
            let output = session.output
            let rootName = "mss://\(bucketName)/\(prefix)"
            output.result(
                (size ? "[\(Self.sizeText(tree.root.size))]  " : "") + rootName,
                ["type": .string("root"), "path": .string(rootName), "size": .int(tree.root.size)])
            var directories = 0, files = 0
            for line in tree.lines(directoriesOnly: directoriesOnly) {
                if line.isDirectory { directories += 1 } else { files += 1 }
                output.result(
                    line.indent + (size ? "[\(Self.sizeText(line.size))]  " : "") + line.name + (line.isDirectory ? "/" : ""),
                    ["type": .string(line.isDirectory ? "directory" : "file"), "path": .string(line.path), "name": .string(line.name),
                     "key": .string(prefix + line.path), "depth": .int(line.depth), "size": .int(line.size)])
            }
            output.result(
                "\n" + KeyTree.summary(directories: directories, files: directoriesOnly ? nil : files),
                ["type": .string("summary"), "directories": .int(directories), "files": directoriesOnly ? .null : .int(files)])
        }
    }

    private static func sizeText(_ bytes: Int64) -> String {
        let text = HumanFormat.size(bytes)
        return String(repeating: " ", count: max(0, 9 - text.count)) + text
    }
}
