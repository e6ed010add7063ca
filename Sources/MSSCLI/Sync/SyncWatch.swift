import Foundation

/// `sync --watch`: after the first pass, keep a local directory mirrored. Each burst of changes
/// (a file written, a tree unpacked) is followed by one pass once the directory has been quiet for
/// the debounce interval. A failed pass is reported and the watch goes on; SIGINT or SIGTERM
/// ends it, and the command exits 0.
struct SyncWatch: Sendable {
    let runner: SyncRunner
    let directory: String
    let debounce: Duration

    func run() async throws {
        let task = Task { [runner, directory, debounce] in
            let watcher = DirectoryWatcher(directory: directory)
            runner.output.note("watching \(directory) for changes\(watcher.usesInotify ? "" : " (polling)"); Ctrl-C stops")
            while !Task.isCancelled {
                do {
                    try await watcher.waitForChange(debounce: debounce)
                } catch {
                    return
                }
                do {
                    try await runner.run()
                } catch {
                    if Task.isCancelled { return }
                    runner.output.error(ErrorDescription.describe(error, debug: runner.output.debug))
                }
            }
        }
        let trap = SignalTrap { _ in task.cancel() }
        defer { trap.stop() }
        await task.value
        runner.output.note("stopped watching \(directory)")
    }
}
