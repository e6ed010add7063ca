import Foundation
import MSS
import S3Protocol
import Testing

/// Bucket lifecycle configuration through the SDK, against every server: a round trip of
/// every kind of rule, replacement, deletion, and the server's refusal of bad rules.
@Suite struct LifecycleTests {
    static let rules = [
        LifecycleRule(id: "logs", filter: .init(prefix: "logs/"), expiration: .init(days: 30)),
        LifecycleRule(
            id: "scratch", filter: .init(prefix: "tmp/", tags: [.init(key: "kind", value: "scratch"), .init(key: "team", value: "a")]),
            expiration: .init(days: 2), noncurrentVersionExpiration: .init(noncurrentDays: 5, newerNoncurrentVersions: 2)),
        LifecycleRule(id: "uploads", status: .disabled, filter: .init(prefix: "up/"), abortIncompleteMultipartUploadDays: 7),
        LifecycleRule(id: "markers", filter: .init(prefix: "m/"), expiration: .init(expiredObjectDeleteMarker: true)),
    ]

    static func order(_ rule: LifecycleRule) -> Int {
        rules.firstIndex { $0.id == rule.id } ?? rules.count
    }

    @Test(arguments: Targets.all)
    func configurationRoundTrip(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ilm") { _, bucket in
            #expect(try await bucket.lifecycle() == nil)
            try await bucket.setLifecycle(LifecycleConfiguration(rules: Self.rules))
            // Ceph RGW answers the rules sorted by ID.
            let got = try #require(try await bucket.lifecycle()).rules.sorted { Self.order($0) < Self.order($1) }
            #expect(got.map(\.id) == Self.rules.map(\.id))
            #expect(got.map(\.status) == Self.rules.map(\.status))
            #expect(got.map(\.effectivePrefix) == ["logs/", "tmp/", "up/", "m/"])
            #expect(Set(got[1].effectiveTags) == Set(Self.rules[1].effectiveTags))
            #expect(got[0].expiration?.days == 30 && got[1].expiration?.days == 2)
            #expect(got[1].noncurrentVersionExpiration?.noncurrentDays == 5)
            #expect(got[2].abortIncompleteMultipartUploadDays == 7)
            #expect(got[3].expiration?.expiredObjectDeleteMarker == true)

            // A PUT replaces every rule.
            let midnight = try #require(HTTPDate.parseISO8601("2031-05-01T00:00:00.000Z"))
            try await bucket.setLifecycle(LifecycleConfiguration(rules: [LifecycleRule(id: "dated", filter: .init(), expiration: .init(date: midnight))]))
            let replaced = try #require(try await bucket.lifecycle()).rules
            #expect(replaced.map(\.id) == ["dated"])
            #expect(replaced.first?.expiration?.date == midnight)

            try await bucket.deleteLifecycle()
            #expect(try await bucket.lifecycle() == nil)
            try await bucket.deleteLifecycle()
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func badRulesAreRefusedAndLeaveTheConfiguration(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ilmbad") { _, bucket in
            try await bucket.setLifecycle(LifecycleConfiguration(rules: [Self.rules[0]]))
            let zeroDays = LifecycleConfiguration(rules: [LifecycleRule(id: "zero", filter: .init(), expiration: .init(days: 0))])
            await #expect { try await bucket.setLifecycle(zeroDays) } throws: { error in
                guard let error = error as? S3Error, error.status == 400 else { return false }
                // AWS's code; RGW answers the same.
                return error.code == .invalidArgument
            }
            let duplicate = LifecycleConfiguration(rules: [Self.rules[0], Self.rules[0]])
            await #expect { try await bucket.setLifecycle(duplicate) } throws: { ($0 as? S3Error)?.status == 400 }
            #expect(try await bucket.lifecycle()?.rules.map(\.id) == ["logs"])
            // Checked before anything is sent.
            await #expect { try await bucket.setLifecycle(LifecycleConfiguration(rules: [])) } throws: { error in
                (error as? MSSClientError)?.kind == .invalidArgument
            }
        }
    }

    @Test(arguments: Targets.all.filter { $0.server == "mss" })
    func aMissingBucketIsNoSuchBucket(_ target: TestTarget) async throws {
        try await target.withConnection { connection in
            let missing = Bucket(connection: connection, name: target.uniqueBucketName("nosuch"))
            await #expect { _ = try await missing.lifecycle() } throws: { ($0 as? S3Error)?.code == .noSuchBucket }
            await #expect { try await missing.setLifecycle(LifecycleConfiguration(rules: Self.rules)) } throws: {
                ($0 as? S3Error)?.code == .noSuchBucket
            }
        }
    }
}
