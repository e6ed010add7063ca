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
