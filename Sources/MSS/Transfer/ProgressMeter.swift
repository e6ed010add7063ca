import Synchronization

/// Adds up bytes from concurrent parts and reports the total.
final class ProgressMeter: Sendable {
    private struct State {
        var done: Int64
        /// Grows while a listing is still finding what to transfer.
        var total: Int64
    }

    private let state: Mutex<State>
    private let start = ContinuousClock.now
    private let handler: TransferProgressHandler?

    init(total: Int64, alreadyDone: Int64 = 0, handler: TransferProgressHandler?) {
        state = Mutex(State(done: alreadyDone, total: total))
        self.handler = handler
    }

    func add(_ bytes: Int64) {
        // A part sent again after a retry counts twice; the report never passes the total.
        let (done, total) = state.withLock { state in
            let (sum, overflow) = state.done.addingReportingOverflow(bytes)
            state.done = overflow ? state.total : min(state.total, sum)
            return (state.done, state.total)
        }
        report(done, total: total)
    }

    /// Counts `bytes` more to transfer, found after the start. Sizes come from a listing, so
    /// the sum saturates instead of trapping on a server that lists millions of huge objects.
    func grow(by bytes: Int64) {
        state.withLock { state in
            let (sum, overflow) = state.total.addingReportingOverflow(bytes)
            state.total = overflow ? .max : sum
        }
    }

    /// Takes back bytes of a part that failed and will be sent again.
    func remove(_ bytes: Int64) {
        state.withLock { $0.done -= bytes }
    }

    var done: Int64 { state.withLock { $0.done } }

    func report() {
        let (done, total) = state.withLock { ($0.done, $0.total) }
        report(done, total: total)
    }

    private func report(_ done: Int64, total: Int64) {
        guard let handler else { return }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        handler(TransferProgress(
            bytesTransferred: done, totalBytes: total, bytesPerSecond: seconds > 0 ? Double(done) / seconds : 0,
            elapsed: elapsed))
    }
}
