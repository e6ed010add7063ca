import ArgumentParser

/// How `cp`, `mv` and `sync` move data.
struct TransferOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Copy directories and prefixes with everything in them.")
    var recursive = false

    @Option(name: .long, help: "Parts or files in flight at once (default 8).")
    var concurrency: Int?

    @Option(name: .customLong("part-size"), help: "Multipart part size in MiB (at least 5; default 8).")
    var partSize: Int?
}

/// The source and destination of `cp` and `mv`.
struct TransferPaths: ParsableArguments {
    @Argument(help: "What to copy: a file, a directory (with --recursive), or mss://bucket/key[/prefix].")
    var source: String

    @Argument(help: "Where to: mss://bucket/key, mss://bucket/prefix/, a file or a directory.")
    var destination: String

    func locations() throws -> (Location, Location) {
        (try Location(source), try Location(destination))
    }
}
