import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Catches SIGINT and SIGTERM while long work runs, so it can end in order (abort a multipart
/// upload, stop watching) instead of dying mid-request. `stop()` gives the signals back to their
/// default, which ends the process.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    /// Calls `handler` (once per signal, on a private queue) with the signal's number.
    init(_ handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "mss.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
