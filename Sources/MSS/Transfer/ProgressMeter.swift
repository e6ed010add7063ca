import Synchronization

/// Adds up bytes from concurrent parts and reports the total.
final class ProgressMeter: Sendable {
    private let state: Mutex<Int64>
    private let total: Int64
    private let start = ContinuousClock.now
    private let handler: TransferProgressHandler?

    init(total: Int64, alreadyDone: Int64 = 0, handler: TransferProgressHandler?) {
        self.total = total
        state = Mutex(alreadyDone)
        self.handler = handler
    }

    func add(_ bytes: Int64) {
        // A part sent again after a retry counts twice; the report never passes the total.
        let done = state.withLock { value in
            value = min(total, value + bytes)
            return value
        }
        report(done)
    }

    /// Takes back bytes of a part that failed and will be sent again.
    func remove(_ bytes: Int64) {
        state.withLock { $0 -= bytes }
    }

    var done: Int64 { state.withLock { $0 } }

    func report(_ done: Int64? = nil) {
        guard let handler else { return }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let bytes = done ?? self.done
        handler(TransferProgress(
            bytesTransferred: bytes, totalBytes: total, bytesPerSecond: seconds > 0 ? Double(bytes) / seconds : 0,
            elapsed: elapsed))
    }
}
