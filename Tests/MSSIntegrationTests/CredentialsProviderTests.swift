import Foundation
import MSS
import S3Protocol
import Synchronization
import Testing

/// A custom provider that hands out the target's keys with a short life, as a token service
/// would, counting how often it is asked.
final class ShortLivedKeys: CredentialsProvider {
    let target: TestTarget
    let lifetime: TimeInterval
    let calls = Mutex(0)

    init(target: TestTarget, lifetime: TimeInterval) {
        self.target = target
        self.lifetime = lifetime
    }

    func resolveCredentials() async throws -> Credentials? {
        calls.withLock { $0 += 1 }
        try await Task.sleep(for: .milliseconds(20))
        return Credentials(
            accessKey: target.accessKey, secretKey: target.secretKey, expiration: Date().addingTimeInterval(lifetime))
    }
}

@Suite struct CredentialsProviderTests {
    func connection(_ target: TestTarget, _ provider: some CredentialsProvider, margin: TimeInterval) throws -> S3Connection {
        try S3Connection(
            credentials: provider,
            configuration: .init(
                host: target.host, port: target.port, signatureVersion: target.signatureVersion,
                credentialsRefreshMargin: margin))
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func requestsThroughARefreshingProvider(_ target: TestTarget) async throws {
        // Keys good for an hour, refreshed 5 minutes early: one call serves every request.
        let steady = ShortLivedKeys(target: target, lifetime: 3600)
        try await target.withBucket(tag: "cred", connection: try connection(target, steady, margin: 300)) { _, bucket in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask { try await bucket.newKey("k\(index)").setContents("v\(index)") }
                }
                try await group.waitForAll()
            }
            #expect(try await bucket.allKeys().count == 16)
        }
        #expect(steady.calls.withLock { $0 } == 1)

        // Keys that live 30 s, less than the margin: refreshed at half-life, so a burst 15.5 s
        // after they were fetched refreshes them, once for the whole burst. Not shorter: on a
        // loaded CI machine a request has waited seconds to be scheduled between receiving
        // credentials and signing with them, and keys of 4 s expired in that gap.
        let expiring = ShortLivedKeys(target: target, lifetime: 30)
        try await target.withBucket(tag: "cred2", connection: try connection(target, expiring, margin: 300)) { connection, bucket in
            let afterCreate = expiring.calls.withLock { $0 }
            #expect(afterCreate >= 1)
            try await Task.sleep(for: .milliseconds(15_500))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<8 {
                    group.addTask { try await bucket.newKey("k\(index)").setContents("v") }
                }
                try await group.waitForAll()
            }
            let afterBurst = expiring.calls.withLock { $0 }
            #expect(afterBurst > afterCreate)
            #expect(afterBurst <= afterCreate + 8)
            #expect(try await bucket.newKey("k0").string() == "v")
            #expect(try await connection.currentCredentials()?.accessKey == target.accessKey)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func providerFailuresAreTypedAndNothingIsSent(_ target: TestTarget) async throws {
        struct Down: CredentialsProvider {
            struct Outage: Error {}
            func resolveCredentials() async throws -> Credentials? { throw Outage() }
        }
        let connection = try connection(target, Down(), margin: 300)
        await #expect { _ = try await connection.allBuckets() } throws: {
            ($0 as? MSSClientError)?.kind == .credentialsUnavailable
        }
        try await connection.shutdown()
    }
}
