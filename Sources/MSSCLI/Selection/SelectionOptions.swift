import ArgumentParser

/// `--include` and `--exclude`, for the commands that work on many items.
///
/// The filters count in the order they were given, which ArgumentParser does not keep across two
/// options, so the order is read back from the command line and checked against what it parsed.
struct SelectionOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Take items whose path below the source matches (repeatable; see --exclude).", valueName: "pattern"))
    var include: [String] = []

    @Option(
        name: .long, parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            """
            Leave out items whose path below the source matches (repeatable). As in aws s3: everything is taken by default, \
            and of the --include/--exclude patterns that match a path, the last one given wins, so --exclude '*' \
            --include '*.jpg' takes only .jpg files. Patterns use * (anything, / included), ? (one character), [abc], \
            [a-z] and [!a-z]; quote them so the shell leaves them alone.
            """, valueName: "pattern"))
    var exclude: [String] = []

    @Flag(
        name: .long,
        help: ArgumentHelp(
            """
            Take the source path literally. Without --raw, *, ? and [...] in a source path (quoted: 'mss://b/photos/*.jpg') \
            are wildcards, as in a shell: * and ? stay within one level, ** crosses levels, and in such a path \\ takes \
            the next character literally. The listing starts at the part before the first wildcard; copies keep each path below the last / \
            of that part. For cp, mv and rm a wildcard that matches nothing is an error, unless an object or file has \
            exactly that name.
            """))
    var raw = false

    /// The filters in command-line order, read from `arguments` (this process's by default).
    func selection(arguments: [String] = CommandLine.arguments) throws -> Selection {
        guard !include.isEmpty || !exclude.isEmpty else { return Selection(raw: raw) }
        var ordered: [(include: Bool, pattern: String)] = []
        var index = arguments.index(after: arguments.startIndex)
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { break }
            for (name, isInclude) in [("--include", true), ("--exclude", false)] {
                if argument == name, index + 1 < arguments.endIndex {
                    index += 1
                    ordered.append((isInclude, arguments[index]))
                } else if argument.hasPrefix(name + "=") {
                    ordered.append((isInclude, String(argument.dropFirst(name.count + 1))))
                }
            }
            index += 1
        }
        guard ordered.filter(\.include).map(\.pattern) == include, ordered.filter({ !$0.include }).map(\.pattern) == exclude else {
            throw CLIError.usage("cannot tell the order of --include and --exclude; give each as --include PATTERN or --exclude PATTERN")
        }
        let filters = try ordered.map { Selection.Filter(include: $0.include, pattern: try GlobPattern($0.pattern, syntax: .filter)) }
        return Selection(filters: filters, raw: raw)
    }
}
