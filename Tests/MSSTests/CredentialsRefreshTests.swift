import Foundation
import S3Protocol
import Synchronization
import Testing

@testable import MSS
import AsyncHTTPClient

/// A provider that counts its calls and answers after a pause, so concurrent callers overlap.
///
/// Expirations count from `issuedAt` when a test sets it, not from the wall clock: on a loaded
/// machine the provider's own answer may come a minute after the test read its clock, and the
/// margins under test are minutes wide.
final class CountingProvider: CredentialsProvider {
    let calls = Mutex(0)
    let lifetime: TimeInterval?
    let failing: Mutex<Bool>
    let issuedAt = Mutex<Date?>(nil)

    init(lifetime: TimeInterval?, failing: Bool = false) {
        self.lifetime = lifetime
        self.failing = Mutex(failing)
    }

    func issue(at date: Date) { issuedAt.withLock { $0 = date } }

    var count: Int { calls.withLock { $0 } }

    func resolveCredentials() async throws -> Credentials? {
        let call = calls.withLock { count in
            count += 1
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        struct TokenServiceDown: Error {}
        if failing.withLock({ $0 }) { throw TokenServiceDown() }
        return Credentials(
            accessKey: "AK\(call)", secretKey: "SK\(call)", sessionToken: "token-\(call)",
            expiration: lifetime.map { (issuedAt.withLock { $0 } ?? Date()).addingTimeInterval($0) })
    }
}

/// Passes a provider's first answer through, then moves its issue time, so that the first
/// answer is stale on arrival and the next is fresh.
final class StaleOnceProvider: CredentialsProvider {
    let first: CountingProvider
    let thenIssueAt: Date

    init(first: CountingProvider, thenIssueAt: Date) {
        self.first = first
        self.thenIssueAt = thenIssueAt
    }

    func resolveCredentials() async throws -> Credentials? {
        let answer = try await first.resolveCredentials()
        first.issue(at: thenIssueAt)
        return answer
    }
}

/// Answers every call with the same expiration, whatever it is.
struct FixedExpiryProvider: CredentialsProvider {
    let expiration: Date

    func resolveCredentials() async throws -> Credentials? {
        Credentials(accessKey: "AK", secretKey: "SK", expiration: expiration)
    }
}

/// A provider that never answers, like a token service that accepted the connection and hung.
final class HangingProvider: CredentialsProvider {
    let calls = Mutex(0)

    func resolveCredentials() async throws -> Credentials? {
        calls.withLock { $0 += 1 }
        // Not cancellable on purpose: the wait must end without the provider's help.
        while true { try? await Task.sleep(for: .seconds(3600)) }
    }
}

@Suite struct CredentialsRefreshTests {
    @Test func concurrentRequestsShareOneRefresh() async throws {
        let provider = CountingProvider(lifetime: 3600)
        let connection = try S3Connection(credentials: provider, configuration: .init(host: "127.0.0.1", port: 1))
        // A custom provider is not asked before it is needed.
        #expect(provider.count == 0)
        #expect(connection.credentials == nil)
        let keys = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<64 { group.addTask { try await connection.currentCredentials()?.accessKey } }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(provider.count == 1)
        #expect(keys == ["AK1"])
        // Held and fresh: asked again, the provider is not called.
        #expect(try await connection.currentCredentials()?.sessionToken == "token-1")
        #expect(connection.credentials?.accessKey == "AK1")
        #expect(provider.count == 1)
        try await connection.shutdown()
    }

    @Test func refreshesWithinTheMarginOnly() async throws {
        let provider = CountingProvider(lifetime: 3600)
        let cache = CredentialsCache(provider: provider, margin: 300)
        let start = Date()
        provider.issue(at: start)
        #expect(try await cache.credentials(now: start)?.accessKey == "AK1")
        // 50 minutes later the credentials have 10 minutes left: more than the margin.
        #expect(try await cache.credentials(now: start.addingTimeInterval(3000))?.accessKey == "AK1")
        #expect(provider.count == 1)
        // 56 minutes later 4 are left: inside the margin, so they are replaced.
        provider.issue(at: start.addingTimeInterval(3360))
        #expect(try await cache.credentials(now: start.addingTimeInterval(3360))?.accessKey == "AK2")
        #expect(provider.count == 2)
        // Concurrent callers at the margin share the refresh too.
        let later = start.addingTimeInterval(3360 + 3400)
        provider.issue(at: later)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { _ = try await cache.credentials(now: later) } }
            try await group.waitForAll()
        }
        #expect(provider.count == 3)
    }

    @Test func credentialsWithoutExpiryAreFetchedOnce() async throws {
        let provider = CountingProvider(lifetime: nil)
        let cache = CredentialsCache(provider: provider, margin: 300)
        for offset: TimeInterval in [0, 86_400, 31_536_000] {
            #expect(try await cache.credentials(now: Date().addingTimeInterval(offset))?.accessKey == "AK1")
        }
        #expect(provider.count == 1)
    }

    @Test func failuresAreTypedAndHeldCredentialsBridgeTheMargin() async throws {
        let provider = CountingProvider(lifetime: 3600, failing: true)
        let cache = CredentialsCache(provider: provider, margin: 300)
        await #expect {
            _ = try await cache.credentials()
        } throws: { error in
            (error as? MSSClientError)?.kind == .credentialsUnavailable
                && (error as? MSSClientError)?.message.contains("TokenServiceDown") == true
        }
        // A failed refresh is not remembered: the next request asks again.
        provider.failing.withLock { $0 = false }
        let start = Date()
        provider.issue(at: start)
        #expect(try await cache.credentials(now: start)?.accessKey == "AK2")
        // Inside the margin the service is down again: the held credentials still work until expiry…
        provider.failing.withLock { $0 = true }
        #expect(try await cache.credentials(now: start.addingTimeInterval(3400))?.accessKey == "AK2")
        // …but not after it.
        await #expect(throws: MSSClientError.self) { _ = try await cache.credentials(now: start.addingTimeInterval(3700)) }
        #expect(throws: MSSClientError.self) { _ = try cache.heldCredentials(now: start.addingTimeInterval(3700)) }
    }

    @Test func aProviderThatIsDownIsNotAskedByEveryRequest() async throws {
        let provider = CountingProvider(lifetime: 3600)
        let cache = CredentialsCache(provider: provider, margin: 300)
        let start = Date()
        provider.issue(at: start)
        #expect(try await cache.credentials(now: start)?.accessKey == "AK1")
        provider.failing.withLock { $0 = true }
        // Inside the margin the refresh fails; the held credentials carry on…
        #expect(try await cache.credentials(now: start.addingTimeInterval(3400))?.accessKey == "AK1")
        #expect(provider.count == 2)
        // …and for a while nobody asks again or waits for another failure.
        for offset: TimeInterval in [3401, 3405, 3409] {
            #expect(try await cache.credentials(now: start.addingTimeInterval(offset))?.accessKey == "AK1")
        }
        #expect(provider.count == 2)
        // Then the next request tries again, and gets fresh credentials once the provider is back.
        provider.failing.withLock { $0 = false }
        #expect(try await cache.credentials(now: start.addingTimeInterval(3411))?.accessKey == "AK3")
        #expect(provider.count == 3)
    }

    /// A provider, a cache with a five-minute margin, and the start of a timeline an hour ahead
    /// of the wall clock: however late the provider answers on a loaded machine, credentials
    /// issued at that start are not expired by the real clock.
    static func aheadOfTheClock(lifetime: TimeInterval) -> (CountingProvider, CredentialsCache, Date) {
        let provider = CountingProvider(lifetime: lifetime)
        let start = Date().addingTimeInterval(3600)
        provider.issue(at: start)
        return (provider, CredentialsCache(provider: provider, margin: 300), start)
    }

    @Test func shortLivedCredentialsAreNotRefreshedOnEveryRequest() async throws {
        // Issued for two minutes, less than the five-minute margin: refreshed at half-life.
        let (provider, cache, start) = Self.aheadOfTheClock(lifetime: 120)
        #expect(try await cache.credentials(now: start)?.accessKey == "AK1")
        for offset: TimeInterval in [0, 1, 30] {
            #expect(try await cache.credentials(now: start.addingTimeInterval(offset))?.accessKey == "AK1")
        }
        #expect(provider.count == 1)
        // 90 s on, 30 are left: past half-life.
        #expect(try await cache.credentials(now: start.addingTimeInterval(90))?.accessKey == "AK2")
        #expect(provider.count == 2)
    }

    @Test func aRequestCanGiveUpWaitingForAHungProvider() async throws {
        let provider = HangingProvider()
        let cache = CredentialsCache(provider: provider, margin: 300)
        let waiting = Task { try await cache.credentials() }
        while provider.calls.withLock({ $0 }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        // The cancelled request ends at once, though the provider never answers.
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        #expect(provider.calls.withLock { $0 } == 1)
    }

    @Test func expiredAnswersAreRefused() async throws {
        // Also when the answer comes long after the request began (a loaded machine): from the
        // request's start the credentials looked far from their margin, so the second ask is
        // judged on the clock as it is when the answer arrives.
        for requestBegan: TimeInterval in [0, -60] {
            let provider = CountingProvider(lifetime: -10)
            let cache = CredentialsCache(provider: provider, margin: 300)
            await #expect {
                _ = try await cache.credentials(now: Date().addingTimeInterval(requestBegan))
            } throws: { ($0 as? MSSClientError)?.kind == .credentialsUnavailable }
            // Asked once more before refusing, not in a loop.
            #expect(provider.count == 2)
        }
    }

    @Test func hostileExpirationsNeitherTrapNorPass() async throws {
        // Not a number: cannot be compared, so it is refused, by requests and by presigning.
        let notANumber = FixedExpiryProvider(expiration: Date(timeIntervalSinceReferenceDate: .nan))
        let refusing = CredentialsCache(provider: notANumber, margin: 300)
        await #expect {
            _ = try await refusing.credentials()
        } throws: { ($0 as? MSSClientError)?.kind == .credentialsUnavailable }
        #expect(throws: MSSClientError.self) { _ = try refusing.heldCredentials() }
        // The far past is expired; the far future and infinity last, without arithmetic traps.
        let past = CredentialsCache(provider: FixedExpiryProvider(expiration: .distantPast), margin: 300)
        await #expect(throws: MSSClientError.self) { _ = try await past.credentials() }
        for expiration in [Date.distantFuture, Date(timeIntervalSinceReferenceDate: .infinity)] {
            let provider = FixedExpiryProvider(expiration: expiration)
            let cache = CredentialsCache(provider: provider, margin: .greatestFiniteMagnitude)
            #expect(try await cache.credentials()?.accessKey == "AK")
            #expect(try await cache.credentials()?.accessKey == "AK")
            #expect(try cache.heldCredentials()?.accessKey == "AK")
        }
    }

    @Test func anAnswerStaleOnArrivalIsAskedForOnceMore() async throws {
        // What a request sees when it is not scheduled for longer than the credentials live: the
        // first answer has expired by the time it is read, the second is good.
        let start = Date().addingTimeInterval(3600)
        let provider = CountingProvider(lifetime: 60)
        provider.issue(at: start.addingTimeInterval(-120))
        let stale = StaleOnceProvider(first: provider, thenIssueAt: start)
        let cache = CredentialsCache(provider: stale, margin: 300)
        #expect(try await cache.credentials(now: start)?.accessKey == "AK2")
        #expect(provider.count == 2)
    }

    @Test func aRefreshWhoseOnlyWaiterGaveUpStillLandsAndIsNotReusedOnceStale() async throws {
        let (provider, cache, start) = Self.aheadOfTheClock(lifetime: 60)
        // The only request waiting for the first refresh is cancelled before the provider answers…
        let waiting = Task { try await cache.credentials(now: start) }
        while provider.count < 1 { try await Task.sleep(for: .milliseconds(5)) }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        // …and the refresh still lands: presigning, which never waits, has its credentials…
        let deadline = Date().addingTimeInterval(30)
        while (try? cache.heldCredentials(now: start.addingTimeInterval(1))) == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try cache.heldCredentials(now: start.addingTimeInterval(1))?.accessKey == "AK1")
        #expect(provider.count == 1)
        // …while one after it expired gets new credentials, not the finished refresh's old answer.
        provider.issue(at: start.addingTimeInterval(100))
        #expect(try await cache.credentials(now: start.addingTimeInterval(100))?.accessKey == "AK2")
        #expect(provider.count == 2)
    }

    @Test func presigningUsesHeldCredentialsWithTheirToken() async throws {
        let provider = CountingProvider(lifetime: 3600)
        let connection = try S3Connection(
            credentials: provider, configuration: .init(host: "127.0.0.1", port: 1, signatureVersion: .v4(region: "us-east-1")))
        // Nothing held yet: presigning cannot wait for the provider, so it says what to do.
        #expect(throws: MSSClientError.self) {
            _ = try connection.presignedURL(bucket: "b", key: "k", expiry: .after(60))
        }
        _ = try await connection.currentCredentials()
        let url = try connection.presignedURL(bucket: "b", key: "k", expiry: .after(60))
        #expect(url.absoluteString.contains("X-Amz-Security-Token=token-1"))
        #expect(url.absoluteString.contains("X-Amz-Credential=AK1"))
        try await connection.shutdown()
    }

    @Test func sessionTokensAreSignedWithBothVersions() throws {
        let credentials = Credentials(accessKey: "AK", secretKey: "SK", sessionToken: "tok/en+1", expiration: Date())
        for version in [SignatureVersion.v2, .v4(region: "us-east-1")] {
            var request = SignableRequest(method: "GET", path: "/b/k", query: [])
            request.headers.replace("Host", "127.0.0.1")
            RequestSigner(credentials: credentials, version: version)
                .sign(&request, resourcePath: "/b/k", payloadHash: Digests.emptySHA256Hex, date: Date())
            #expect(request.headers["x-amz-security-token"] == "tok/en+1", "\(version)")
            #expect(request.headers["Authorization"] != nil)
        }
    }

    @Test func builtInProvidersStillResolveAtConnect() throws {
        #expect(throws: MSSClientError.self) {
            _ = try S3Connection(credentials: .chain([.sharedFile(path: "/nonexistent/credentials")]))
        }
        let fixed = try S3Connection(credentials: .fixed(Credentials(accessKey: "A", secretKey: "S")))
        #expect(fixed.credentials?.accessKey == "A")
        try? fixed.httpClient.syncShutdown()
    }
}
