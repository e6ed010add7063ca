import NIOConcurrencyHelpers
import NIOPosix

/// Hands what is queued to `body` in batches, one batch at a time, on a thread of `pool` that is
/// taken only while there is something to do: what arrives while a batch runs makes the next.
///
/// Why: a burst is taken by the thread already awake instead of waking one per item, and an
/// idle stage holds no thread.
final class SerialBatches<Item: Sendable>: Sendable {
    private struct Queue {
        var items: [Item] = []
        /// A thread is taking batches, and picks up what is added.
        var draining = false
    }

    private let queue = NIOLockedValueBox(Queue())
    private let pool: NIOThreadPool
    private let body: @Sendable ([Item]) -> Void
    private let refuse: @Sendable ([Item]) -> Void

    /// - Parameters:
    ///   - body: does the work of a batch, blocking; called by one thread at a time.
    ///   - refuse: ends items no thread will take (`pool` has stopped).
    init(on pool: NIOThreadPool, body: @escaping @Sendable ([Item]) -> Void, refuse: @escaping @Sendable ([Item]) -> Void) {
        self.pool = pool
        self.body = body
        self.refuse = refuse
    }

    func add(_ item: Item) {
        let startsDraining = queue.withLockedValue { queue in
            queue.items.append(item)
            guard !queue.draining else { return false }
            queue.draining = true
            return true
        }
        guard startsDraining else { return }
        pool.submit { state in
            guard case .active = state else { return self.refuse(self.takeAll(stopping: true)) }
            self.drain()
        }
    }

    /// How many items wait for the next batch.
    var waiting: Int {
        queue.withLockedValue { $0.items.count }
    }

    private func drain() {
        while true {
            let items = takeAll(stopping: false)
            guard !items.isEmpty else { return }
            body(items)
        }
    }

    private func takeAll(stopping: Bool) -> [Item] {
        queue.withLockedValue { queue in
            let items = queue.items
            queue.items = []
            if items.isEmpty || stopping { queue.draining = false }
            return items
        }
    }
}
