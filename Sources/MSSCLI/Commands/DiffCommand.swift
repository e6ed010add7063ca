import ArgumentParser
import Foundation
import MSS

/// `mss diff SOURCE TARGET`: what `mss sync SOURCE TARGET` would do, as differences. It plans with
/// the sync planner and the same flags, so the two never disagree.
struct DiffCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show how a target differs from a source: what `mss sync SOURCE TARGET` would change.",
        discussion: """
            Each side is a directory or mss://bucket/prefix (both may be remote, also on two servers with \
            --source-profile). One line per difference, paths below the two roots:
              + PATH (only in source)             sync copies it
              - PATH (only in target)             sync --delete removes it
              ~ PATH (size 10 → 12)               sync copies it (target's size → source's)
              ~ PATH (newer in source)            sync copies it
              ~ PATH (time differs)               sync --exact-timestamps copies it
            --size-only, --exact-timestamps and --include/--exclude compare as they do for sync. --json prints one \
            object per difference: change, path, source, target, sizes, times and what sync would do.

            Exit status, as for diff(1): 0 no differences, 1 differences, 2 trouble (usage, network, access).
            """)

    @Argument(help: "A directory or mss://bucket/prefix.")
    var source: String

    @Argument(help: "mss://bucket/prefix or a directory.")
    var target: String

    @OptionGroup var comparison: SyncComparisonOptions
    @OptionGroup var sourceProfile: SourceProfileOption
    @OptionGroup var filters: SelectionOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let differences: Int
        do {
            differences = try await compare()
        } catch {
            // diff(1)'s convention: trouble is 2, whatever kind.
            global.output.error(ErrorDescription.describe(error, debug: global.output.debug))
            Foundation.exit(2)
        }
        if differences == 0 { global.output.note("no differences") }
        if differences > 0 { Foundation.exit(1) }
    }

    private func compare() async throws -> Int {
        let from = try Location(source), to = try Location(target)
        let selection = try filters.selection()
        var planner = try comparison.planner()
        // Items only in the target are differences either way; `sync` removes them only with --delete.
        planner.delete = true
        return try await Session.run(global) { session in
            try await SourceConnection.run(profile: sourceProfile.sourceProfile, session: session) { sourceConnection in
                let (fromPlace, toPlace) = try SyncSide.Place.pair(from, to, session: session, source: sourceConnection)
                let (mine, theirs) = try await session.naming(sideOf: from, to) {
                    (try await SyncSide.list(fromPlace, selection: selection, isSource: true),
                     try await SyncSide.list(toPlace, selection: selection, isSource: false))
                }
                let plan = try await planner.plan(mine, theirs)
                report(plan, source: mine, target: theirs, output: session.output)
                return plan.copy.count + plan.delete.count
            }
        }
    }

    private func report(_ plan: SyncPlan, source: SyncSide, target: SyncSide, output: Output) {
        let existing = Dictionary(target.items.map { ($0.relative, $0) }, uniquingKeysWith: { first, _ in first })
        let copyVerb = switch (source.isLocal, target.isLocal) {
        case (true, _): "upload"
        case (_, true): "download"
        default: "copy"
        }
        var lines: [(path: String, text: String, fields: [String: JSONValue])] = []
        for (item, reason) in plan.copy {
            let other = existing[item.relative]
            let (change, words): (String, String) = switch reason {
            case .missing: ("only-in-source", "only in source")
            case .size: ("size", "size \(other?.size ?? 0) → \(item.size)")
            case .newer: ("newer", "newer in source")
            case .time: ("time", "time differs")
            }
            lines.append((
                item.relative, "\(reason == .missing ? "+" : "~") \(item.relative) (\(words))",
                fields(change, item.relative, source: source, item, target: target, other, sync: copyVerb)))
        }
        for item in plan.delete {
            lines.append((
                item.relative, "- \(item.relative) (only in target)",
                fields("only-in-target", item.relative, source: source, nil, target: target, item, sync: comparison.delete ? "delete" : "keep")))
        }
        for line in lines.sorted(by: { $0.path < $1.path }) { output.result(line.text, line.fields) }
    }

    private func fields(
        _ change: String, _ relative: String, source: SyncSide, _ mine: SyncPlan.Item?, target: SyncSide, _ theirs: SyncPlan.Item?, sync: String
    ) -> [String: JSONValue] {
        ["change": .string(change), "path": .string(relative),
         "source": mine.map { .string(source.describe($0.relative)) } ?? .null,
         "target": .string(target.describe(relative)),
         "sourceSize": mine.map { .int($0.size) } ?? .null, "targetSize": theirs.map { .int($0.size) } ?? .null,
         "sourceModified": .date(mine?.modified), "targetModified": .date(theirs?.modified), "sync": .string(sync)]
    }
}
