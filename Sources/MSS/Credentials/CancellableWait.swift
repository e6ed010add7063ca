import Synchronization

/// Waits for an unstructured task's value in a way the waiter's own cancellation ends.
///
/// `await task.value` ignores the caller's cancellation, so a credentials provider that hangs
/// would hold every request waiting on it for as long as it hangs; this lets each request give
/// up (with `CancellationError`) while the shared refresh carries on for the others.
enum CancellableWait {
    static func value<Success: Sendable>(of task: Task<Success, any Error>) async throws -> Success {
        let waiter = Waiter<Success>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.install(continuation)
                Task { waiter.finish(await task.result) }
            }
        } onCancel: {
            waiter.finish(.failure(CancellationError()))
        }
    }

    /// Resumes its continuation exactly once, with whichever outcome comes first; an outcome
    /// that arrives before the continuation is installed is kept for it.
    private final class Waiter<Success: Sendable>: Sendable {
        private enum State {
            case empty
            case waiting(CheckedContinuation<Success, any Error>)
            case finished(Result<Success, any Error>)
            case resumed
        }

        private let state = Mutex(State.empty)

        func install(_ continuation: CheckedContinuation<Success, any Error>) {
            let early: Result<Success, any Error>? = state.withLock { state in
                guard case .finished(let result) = state else {
                    state = .waiting(continuation)
                    return nil
                }
                state = .resumed
                return result
            }
            if let early { continuation.resume(with: early) }
        }

        func finish(_ result: Result<Success, any Error>) {
            let continuation: CheckedContinuation<Success, any Error>? = state.withLock { state in
                switch state {
                case .empty:
                    state = .finished(result)
                    return nil
                case .waiting(let continuation):
                    state = .resumed
                    return continuation
                case .finished, .resumed:
                    return nil
                }
            }
            continuation?.resume(with: result)
        }
    }
}
