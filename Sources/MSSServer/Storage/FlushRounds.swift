import Foundation

/// The numbering behind a group commit: flushes run one at a time, and a caller is covered by
/// the first flush that starts after it arrived, since one already running may have read the
/// disk's state before the caller's changes. Whoever finds no flush running runs the next one
/// for everybody waiting. The owner's `condition` guards it.
final class FlushRounds<Failure: Sendable>: @unchecked Sendable {
    /// Flushes begun and ended so far, numbered from 1.
    private var started: UInt64 = 0
    private var finished: UInt64 = 0
    /// What recent flushes that failed reported, by number; failures are rare, and each is kept
    /// long enough for every waiter to read it.
    private var failures: [UInt64: Failure] = [:]

    /// Returns once a flush that started after the call has ended, with what it failed with, if
    /// anything. Called with `condition` locked, and returns with it locked; `begin` runs locked
    /// right before a flush this caller runs, `flush` unlocked.
    func waitForCoveringFlush<Input>(_ condition: NSCondition, begin: () -> Input, flush: (Input) -> Failure?) -> Failure? {
        let needed = started &+ 1
        while finished < needed {
            guard started == finished else {
                condition.wait()
                continue
            }
            started &+= 1
            let number = started
            let input = begin()
            condition.unlock()
            let failure = flush(input)
            condition.lock()
            finished = number
            if let failure {
                failures[number] = failure
                failures = failures.filter { $0.key &+ 1024 > number }
            }
            condition.broadcast()
        }
        return failures[needed]
    }
}
