import ArgumentParser

/// How `cp`, `mv` and `sync` move data.
struct TransferOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Copy directories and prefixes with everything in them.")
    var recursive = false

    @Option(name: .long, help: "Parts or files in flight at once (default 8, and 32 files that take one request each).")
    var concurrency: Int?

    @Option(name: .customLong("part-size"), help: "Multipart part size in MiB (5 to 5120, S3's part limits; default 8).")
    var partSize: Int?

    /// Out-of-range numbers are usage errors here, before they reach byte arithmetic.
    func validate() throws {
        if let partSize, !(5...5120).contains(partSize) {
            throw ValidationError("--part-size must be 5 to 5120 (MiB): S3 parts are 5 MiB to 5 GiB")
        }
        if let concurrency, !(1...1024).contains(concurrency) {
            throw ValidationError("--concurrency must be 1 to 1024")
        }
    }
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
