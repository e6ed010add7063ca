import ArgumentParser
import Crypto
import FileChecksums
import Foundation
import MSS
import S3Protocol

struct SyncCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Make a remote prefix match a local directory, a local directory match a remote prefix, or one prefix match another.",
        discussion: """
            Copies what is missing, differs in size, or is newer on the source side (a newer item whose MD5 still matches \
            the other side's ETag is skipped). --size-only compares sizes alone; --exact-timestamps (downloads) copies \
            same-size items unless their times match. --delete removes what the source does not have; --dry-run only \
            says what it would do (`mss diff` shows the same plan as differences). Downloaded files take the object's \
            modification time, so a second sync has nothing to do.

            Between two prefixes the copies happen on the server; with --source-profile the source is read through \
            another profile's connection, and between two servers the bytes stream through, a few parts at a time.

            --watch keeps going after the first pass: it watches the local source directory (inotify) and syncs again \
            once changes have settled for --debounce milliseconds. SIGINT or SIGTERM ends it with status 0.
            """)

    @Argument(help: "A directory or mss://bucket/prefix.")
    var source: String

    @Argument(help: "mss://bucket/prefix or a directory.")
    var destination: String

    @OptionGroup var comparison: SyncComparisonOptions

    @Flag(name: .customLong("dry-run"), help: "Say what would change; change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Transfers in flight at once (default 8).")
    var concurrency: Int = 8

    @Flag(name: .long, help: "After the first pass, keep the remote side mirrored as files in the local source change.")
    var watch = false

    @Option(name: .long, help: "With --watch: milliseconds of quiet after a change before syncing.")
    var debounce: Int = 500

    @OptionGroup var objectSettings: ObjectSettingsOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var sourceProfile: SourceProfileOption
    @OptionGroup var filters: SelectionOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let from = try Location(source), to = try Location(destination)
        guard (1...1024).contains(concurrency) else { throw CLIError.usage("--concurrency must be between 1 and 1024") }
        guard (0...3_600_000).contains(debounce) else { throw CLIError.usage("--debounce must be between 0 and 3600000 milliseconds") }
        if watch {
            guard case .local = from, to.isRemote else { throw CLIError.usage("--watch watches a local source directory: sync --watch DIR mss://bucket/prefix") }
            guard !dryRun else { throw CLIError.usage("--watch makes changes as they come; it does not go with --dry-run") }
        }
        var settings = try objectSettings.settings()
        try encryption.apply(to: &settings)
        if !to.isRemote, let flag = settings.serverSideFlag {
            throw CLIError.usage("\(flag) sets what is stored on a server; this sync writes local files")
        }
        let selection = try filters.selection()
        let planner = try comparison.planner()
        try await Session.run(global) { session in
            try await SourceConnection.run(profile: sourceProfile.sourceProfile, session: session) { sourceConnection in
                let (fromPlace, toPlace) = try SyncSide.Place.pair(from, to, session: session, source: sourceConnection)
                let runner = SyncRunner(
                    output: session.output, source: fromPlace, destination: toPlace, planner: planner, selection: selection,
                    dryRun: dryRun, concurrency: concurrency, settings: settings,
                    remoteCopy: RemoteCopy(
                        connection: session.connection, source: sourceConnection, settings: settings,
                        configuration: TransferConfiguration(concurrency: max(1, concurrency / 2))))
                try await session.naming(sideOf: from, to) { _ = try await runner.run(reportingSkipped: true) }
                if watch, case .local(let directory) = from {
                    try await SyncWatch(runner: runner, directory: directory, debounce: .milliseconds(debounce)).run()
                }
            }
        }
    }

    static func md5Hex(ofFile path: String) async throws -> String {
        do {
            return Digests.hex(try await FileDigest.md5(ofFile: path))
        } catch {
            throw CLIError("cannot read \(path): \(error)")
        }
    }
}
