import Foundation
import S3Protocol
import Synchronization

/// A connection's credentials between refreshes.
///
/// Every request asks it; only when there are none yet, or the ones held expire within the
/// margin, is the provider called, and then once for all requests waiting at that moment: a
/// burst of requests at expiry must not become a burst of calls to a token service.
final class CredentialsCache: Sendable {
    let provider: any CredentialsProvider
    let margin: TimeInterval
    private let state: Mutex<State>

    private struct State {
        /// `.some(nil)` is a resolved anonymous provider, which is not the same as "not yet asked".
        var current: Credentials??
        /// When `current` arrived, to size the margin to credentials that live shorter than it.
        var fetchedAt: Date?
        /// The refresh in flight; the refresh itself clears it when it ends, so that a finished
        /// refresh is never waited on again after its credentials have gone stale (a request that
        /// started it may have been cancelled before it could clear it).
        var refresh: Task<Credentials?, any Error>?
        /// The last failed refresh, while `current` is still good: no new attempt before
        /// ``retryAfterFailure`` has passed, so a provider that is down is not asked by every
        /// request, nor does every request wait for its failure.
        var lastFailure: Date?
    }

    /// How long held, unexpired credentials are used without asking again after a refresh failed.
    static let retryAfterFailure: TimeInterval = 10

    private enum Decision {
        case ready(Credentials?)
        case wait(Task<Credentials?, any Error>, fallback: Credentials??)
    }

    init(provider: any CredentialsProvider, margin: TimeInterval, resolved: Credentials?? = nil) {
        self.provider = provider
        self.margin = margin
        self.state = Mutex(State(current: resolved, refresh: nil))
    }

    /// The credentials to sign with now, refreshing them first when needed.
    ///
    /// An answer that has already expired by the time this request reads it is asked for once
    /// more before it is refused: a provider that answered late, or a request that a loaded
    /// machine did not schedule for longer than the credentials live, should cost a second call,
    /// not a failed request.
    func credentials(now: Date = Date()) async throws -> Credentials? {
        let first = try await resolve(now: now)
        guard Self.hasExpired(first, by: now) else { return first }
        // Judged again on the clock as it is now: the answer may have come long after the
        // request began, when its credentials looked far from their margin.
        let later = Swift.max(now, Date())
        let second = try await resolve(now: later)
        guard Self.hasExpired(second, by: later) else { return second }
        throw MSSClientError(
            .credentialsUnavailable,
            "the credentials provider returned credentials that expired at \(Self.describe(second?.expiration))")
    }

    /// A provider's expiration in a message. Foundation traps when it formats a date that is not
    /// finite, and a provider is code this library does not control.
    private static func describe(_ expiration: Date?) -> String {
        guard let expiration else { return "an unknown time" }
        let seconds = expiration.timeIntervalSinceReferenceDate
        return seconds.isFinite ? "\(expiration)" : "\(seconds) s from 2001 (not a time)"
    }

    /// Expired by the later of `now` and the clock (the provider may have been slow). An
    /// expiration that is not a number counts as expired: it cannot be compared with anything.
    private static func hasExpired(_ credentials: Credentials?, by now: Date) -> Bool {
        guard let expiration = credentials?.expiration else { return false }
        return isPast(expiration, at: Swift.max(now, Date()))
    }

    /// `expiration` is at or before `now`, or not a number and so comparable with nothing.
    private static func isPast(_ expiration: Date, at now: Date) -> Bool {
        expiration.timeIntervalSinceReferenceDate.isNaN || expiration <= now
    }

    private func resolve(now: Date) async throws -> Credentials? {
        let decision: Decision = state.withLock { state in
            if case .some(let current) = state.current {
                if !needsRefresh(current, fetchedAt: state.fetchedAt, now: now) { return .ready(current) }
                if let failed = state.lastFailure, now.timeIntervalSince(failed) < Self.retryAfterFailure,
                    let held = current, let expiration = held.expiration, expiration > now
                {
                    return .ready(held)
                }
            }
            if let refresh = state.refresh { return .wait(refresh, fallback: state.current) }
            let provider = self.provider
            let refresh = Task {
                let result: Result<Credentials?, any Error>
                do { result = .success(try await provider.resolveCredentials()) } catch { result = .failure(error) }
                self.settle(result, startedAt: now)
                return try result.get()
            }
            state.refresh = refresh
            return .wait(refresh, fallback: state.current)
        }
        guard case .wait(let task, let fallback) = decision else {
            if case .ready(let credentials) = decision { return credentials }
            return nil
        }
        do {
            return try await CancellableWait.value(of: task)
        } catch is CancellationError where Task.isCancelled {
            // This request gave up waiting; the shared refresh goes on for the others.
            throw CancellationError()
        } catch {
            // Credentials refreshed early are still good until they expire: a provider that is
            // briefly down inside the margin costs nothing.
            if case .some(let held) = fallback, let held, let expiration = held.expiration, expiration > now {
                return held
            }
            if let error = error as? MSSClientError { throw error }
            if error is CancellationError { throw error }
            throw MSSClientError(.credentialsUnavailable, "the credentials provider failed: \(error)")
        }
    }

    /// Records a refresh's outcome, on the clock of the request that started it, as the margin
    /// is judged: a test or caller that passes `now` gets one time base, however long the
    /// provider took. Only the refresh in `state.refresh` runs at a time, and only it clears it.
    private func settle(_ result: Result<Credentials?, any Error>, startedAt: Date) {
        state.withLock { state in
            state.refresh = nil
            switch result {
            case .success(let fresh):
                state.current = .some(fresh)
                state.fetchedAt = startedAt
                state.lastFailure = nil
            case .failure:
                state.lastFailure = startedAt
            }
        }
    }

    /// The credentials held now, without asking the provider: what presigning, which cannot
    /// wait, signs with. Throws when there are none yet or they have expired.
    func heldCredentials(now: Date = Date()) throws -> Credentials? {
        let current = state.withLock { $0.current }
        guard case .some(let held) = current else {
            throw MSSClientError(
                .credentialsUnavailable,
                "the credentials provider has not been asked yet; call `try await connection.currentCredentials()` first")
        }
        if let expiration = held?.expiration, Self.isPast(expiration, at: now) {
            throw MSSClientError(
                .credentialsUnavailable,
                "the held credentials expired at \(Self.describe(expiration)); call `try await connection.currentCredentials()` to refresh them")
        }
        return held
    }

    /// Within the margin of expiry; for credentials issued for less than twice the margin, within
    /// half their lifetime, so that short-lived ones are not refreshed on every request.
    private func needsRefresh(_ credentials: Credentials?, fetchedAt: Date?, now: Date) -> Bool {
        guard let expiration = credentials?.expiration else { return false }
        var margin = self.margin
        if let fetchedAt { margin = Swift.min(margin, expiration.timeIntervalSince(fetchedAt) / 2) }
        return expiration.timeIntervalSince(now) <= margin
    }
}
