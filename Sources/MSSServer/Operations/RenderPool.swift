import NIOCore
import NIOPosix
import Synchronization

/// The threads image renders run on, apart from the pool file I/O uses, so a burst of heavy
/// renders cannot starve object reads and writes. Admission is bounded: at most `threads`
/// renders run and `queueLimit` more wait; past that a request is turned away at once, before
/// its source is read, rather than queueing without end and holding memory for each.
final class RenderPool: Sendable {
    /// A render turned away because the pool and its queue are full.
    struct Full: Error {}

    let threads: Int
    let queueLimit: Int
    /// Renders admitted at once; a configuration too large to add up means no bound, not a trap.
    let capacity: Int
    private let pool: NIOThreadPool
    /// Renders admitted and not yet finished: running or waiting for a thread.
    private let admitted = Atomic<Int>(0)

    /// Starts `threads` threads (at least one); `queueLimit` below zero counts as zero.
    init(threads: Int, queueLimit: Int) {
        self.threads = max(1, threads)
        self.queueLimit = max(0, queueLimit)
        let sum = self.threads.addingReportingOverflow(self.queueLimit)
        capacity = sum.overflow ? .max : sum.partialValue
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Renders in flight, for tests and logs.
    var inFlight: Int { admitted.load(ordering: .relaxed) }

    /// Runs `work` on a render thread, or throws ``Full`` without running it.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard admit() else { throw Full() }
        defer { admitted.subtract(1, ordering: .releasing) }
        return try await pool.runIfActive(work)
    }

    /// Lets renders in flight finish and stops the threads.
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    private func admit() -> Bool {
        var current = admitted.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = admitted.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }
}
