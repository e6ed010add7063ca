import ArgumentParser

/// How `sync` and `diff` compare the two sides; `diff` takes the same flags so it shows exactly what
/// `sync` would do.
struct SyncComparisonOptions: ParsableArguments {
    @Flag(name: .long, help: "Remove destination items the source does not have (diff: says sync would).")
    var delete = false

    @Flag(name: .customLong("size-only"), help: "Compare sizes only: same size, same item.")
    var sizeOnly = false

    @Flag(
        name: .customLong("exact-timestamps"),
        help: "Downloads: copy same-size items unless their times match to the second (aws semantics; no effect on uploads and copies).")
    var exactTimestamps = false

    /// The planner for these flags; checked in `run` rather than ArgumentParser's `validate`, so the
    /// error reads like every other `mss: error:`.
    func planner() throws -> SyncPlanner {
        if sizeOnly && exactTimestamps { throw CLIError.usage("--size-only and --exact-timestamps ask opposite things; give one") }
        return SyncPlanner(delete: delete, sizeOnly: sizeOnly, exactTimestamps: exactTimestamps)
    }
}

extension SyncSide.Place {
    /// The places of a sync or diff between `from` and `to`: at least one remote; remote sources
    /// read through `source` when `--source-profile` gave one.
    static func pair(_ from: Location, _ to: Location, session: Session, source: SourceConnection?) throws -> (SyncSide.Place, SyncSide.Place) {
        func place(_ location: Location, connection: SourceConnection?) -> SyncSide.Place {
            switch location {
            case .local(let directory): .local(directory: directory)
            case .remote(let bucket, let key):
                .remote(bucket: connection?.bucket(bucket) ?? session.bucket(bucket), prefix: Copier.treePrefix(key))
            }
        }
        switch (from, to) {
        case (.local, .local):
            throw CLIError.usage("one side must be remote (mss://bucket/prefix); for two directories use rsync or diff -r")
        case (.local, _) where source != nil:
            throw CLIError.usage("--source-profile reads a remote source; \(from) is local")
        case (.remote(let a, let p), .remote(let b, let q)) where source.map({ $0.sameServer }) ?? true
            && a == b && Copier.treePrefix(p) == Copier.treePrefix(q):
            throw CLIError.usage("source and destination are the same")
        default:
            return (place(from, connection: source), place(to, connection: nil))
        }
    }
}
