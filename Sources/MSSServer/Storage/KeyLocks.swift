/// Turns for the changes of one key: a change waits for the one before it on the same key,
/// while changes of other keys go on, their disk work overlapping. Owned by ``ObjectStore``,
/// which holds a key's turn from reading its versions to publishing the new ones, across the
/// suspension in which the disk work happens off the actor.
struct KeyLocks {
    struct Name: Hashable, Sendable {
        var bucket: String
        var key: String
    }

    /// A key has an entry while a change of it runs; the entry lists who waits next.
    private var queues: [Name: [CheckedContinuation<Void, Never>]] = [:]

    /// Takes `name`'s turn if it is free, and says whether it did.
    mutating func take(_ name: Name) -> Bool {
        guard queues[name] == nil else { return false }
        queues[name] = []
        return true
    }

    /// Queues `waiter`, resumed once the turn passes to it.
    mutating func wait(_ name: Name, _ waiter: CheckedContinuation<Void, Never>) {
        queues[name, default: []].append(waiter)
    }

    /// Passes the turn to the first waiter, in arrival order, or frees the key.
    mutating func release(_ name: Name) {
        guard var queue = queues[name] else { return }
        guard !queue.isEmpty else {
            queues[name] = nil
            return
        }
        let next = queue.removeFirst()
        queues[name] = queue
        next.resume()
    }

    /// Whether a change of some key of `bucket` is running or waiting.
    func isBusy(bucket: String) -> Bool {
        queues.keys.contains { $0.bucket == bucket }
    }
}
