import Foundation
import Logging
import S3Protocol
import Synchronization
import Testing

@testable import MSSServer

/// The lifecycle worker on a real store, with time given by the test: nothing sleeps, a
/// "day" passes when the test moves its clock.
@Suite struct LifecycleWorkerTests {
    /// A clock the test sets.
    final class TestClock: Sendable {
        private let date: Mutex<Date>
        init(_ date: Date = Date()) { self.date = Mutex(date) }
        var now: Date { date.withLock { $0 } }
        func advance(days: Double) { date.withLock { $0 = $0.addingTimeInterval(days * 86_400) } }
    }

    static func worker(_ store: ObjectStore, _ clock: TestClock, log: CapturedLog? = nil) -> LifecycleWorker {
        var settings = LifecycleSettings()
        settings.clock = { clock.now }
        return LifecycleWorker(store: store, settings: settings, logger: log?.logger ?? Logger(label: "test"))
    }

    static func rule(
        _ id: String, prefix: String = "", tags: [LifecycleRule.Tag] = [], status: LifecycleRule.Status = .enabled,
        expiration: LifecycleRule.Expiration? = nil, noncurrent: LifecycleRule.NoncurrentVersionExpiration? = nil, abortDays: Int? = nil
    ) -> LifecycleRule {
        LifecycleRule(
            id: id, status: status, filter: LifecycleRule.Filter(prefix: prefix, tags: tags), expiration: expiration,
            noncurrentVersionExpiration: noncurrent, abortIncompleteMultipartUploadDays: abortDays)
    }

    static func keys(_ store: ObjectStore, _ bucket: String) async throws -> [String] {
        try await store.list(bucket: bucket, prefix: "", delimiter: nil, marker: nil, maxKeys: 1000).objects.map(\.key)
    }

    @Test func realDaysRoundToTheNextMidnightUTCAndShortDaysDoNot() throws {
        let written = try #require(HTTPDate.parseISO8601("2026-01-15T10:30:00.000Z"))
        let real = LifecycleSchedule(dayLength: nil)
        #expect(real.due(after: written, days: 1) == HTTPDate.parseISO8601("2026-01-17T00:00:00.000Z"))
        #expect(real.due(after: written, days: 30) == HTTPDate.parseISO8601("2026-02-15T00:00:00.000Z"))
        let short = LifecycleSchedule(dayLength: .seconds(10))
        #expect(short.due(after: written, days: 3) == written.addingTimeInterval(30))
        // The largest count a document allows stays finite and in order.
        #expect(real.due(after: written, days: Int(Int32.max)) > written)
    }

    @Test func currentVersionsExpireByDaysAndDateOnlyWhenTheirRuleMatches() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        for key in ["logs/a", "logs/b", "keep/c", "off/d", "dated/e"] {
            try await StoreFixture.put(store, bucket: "bucket", key: key, body: key)
        }
        let past = try #require(HTTPDate.parseISO8601("2020-01-01T00:00:00.000Z"))
        try await store.setLifecycle(
            "bucket",
            LifecycleConfiguration(rules: [
                Self.rule("logs", prefix: "logs/", expiration: .init(days: 2)),
                Self.rule("off", prefix: "off/", status: .disabled, expiration: .init(days: 1)),
                Self.rule("dated", prefix: "dated/", expiration: .init(date: past)),
            ]))
        let clock = TestClock()
        let log = CapturedLog()
        let worker = Self.worker(store, clock, log: log)
        var report = await worker.run()
        #expect(report.expired == 1)
        #expect(try await Self.keys(store, "bucket") == ["keep/c", "logs/a", "logs/b", "off/d"])
        clock.advance(days: 1)
        report = await worker.run()
        #expect(report.total == 0)
        clock.advance(days: 2)
        report = await worker.run()
        #expect(report.expired == 2)
        #expect(try await Self.keys(store, "bucket") == ["keep/c", "off/d"])
        // The bytes go too (after the store's grace period for reads in flight).
        #expect(try await store.storedKey(bucket: "bucket", key: "logs/a") == nil)
        #expect(log.all.contains { $0.contains("lifecycle expired an object") && $0.contains("key=logs/a") && $0.contains("rule=logs") })
    }

    @Test func tagAndSizeFiltersSelectObjects() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        for (key, tags) in [("t/yes", [StoredTag(key: "kind", value: "tmp")]), ("t/no", [StoredTag(key: "kind", value: "keep")]), ("t/none", [])] {
            var object = try await StoreFixture.put(store, bucket: "bucket", key: key, body: "x")
            object.tags = tags.isEmpty ? nil : tags
            try await store.updateMetadata(bucket: "bucket", object: object)
        }
        try await StoreFixture.put(store, bucket: "bucket", key: "s/big", body: String(repeating: "x", count: 100))
        try await StoreFixture.put(store, bucket: "bucket", key: "s/small", body: "x")
        try await store.setLifecycle(
            "bucket",
            LifecycleConfiguration(rules: [
                Self.rule("tags", prefix: "t/", tags: [.init(key: "kind", value: "tmp")], expiration: .init(days: 1)),
                LifecycleRule(id: "size", filter: .init(prefix: "s/", objectSizeGreaterThan: 50), expiration: .init(days: 1)),
            ]))
        let clock = TestClock()
        clock.advance(days: 3)
        let report = await Self.worker(store, clock).run()
        #expect(report.expired == 2)
        #expect(try await Self.keys(store, "bucket") == ["s/small", "t/no", "t/none"])
    }

    @Test func versionedBucketsGetMarkersLoseOldNoncurrentVersionsAndLoneMarkers() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await store.setVersioning("bucket", .enabled)
        try await StoreFixture.put(store, bucket: "bucket", key: "c/k", body: "current")
        var versions: [String] = []
        for body in ["1", "2", "3", "4"] {
            versions.append(try await StoreFixture.put(store, bucket: "bucket", key: "n/k", body: body).versionIDText)
        }
        let lone = try await StoreFixture.put(store, bucket: "bucket", key: "m/k", body: "x").versionIDText
        try await store.deleteObject(bucket: "bucket", key: "m/k")
        try await store.deleteObject(bucket: "bucket", key: "m/k", versionID: lone)
        try await store.setLifecycle(
            "bucket",
            LifecycleConfiguration(rules: [
                Self.rule("current", prefix: "c/", expiration: .init(days: 1)),
                Self.rule("noncurrent", prefix: "n/", noncurrent: .init(noncurrentDays: 2, newerNoncurrentVersions: 1)),
                Self.rule("markers", prefix: "m/", expiration: .init(expiredObjectDeleteMarker: true)),
            ]))
        let clock = TestClock()
        var report = await Self.worker(store, clock).run()
        // Only the lone marker goes at once; nothing has been noncurrent for two days yet.
        #expect(report == LifecycleWorker.Report(deleteMarkersRemoved: 1))
        #expect(try await store.storedKey(bucket: "bucket", key: "m/k") == nil)
        clock.advance(days: 3)
        report = await Self.worker(store, clock).run()
        #expect(report.expired == 1 && report.noncurrentExpired == 2)
        let current = try #require(await store.storedKey(bucket: "bucket", key: "c/k"))
        #expect(current.versions.map(\.isDeleteMarker) == [true, false])
        let noncurrent = try #require(await store.storedKey(bucket: "bucket", key: "n/k"))
        #expect(noncurrent.versions.map(\.versionIDText) == [versions[3], versions[2]])
        // The marker added by expiry is not a lone marker: the version behind it stays.
        clock.advance(days: 3)
        report = await Self.worker(store, clock).run()
        #expect(report.total == 0)
    }

    /// AWS: "When you specify the Days tag, Amazon S3 automatically performs
    /// ExpiredObjectDeleteMarker cleanup when the delete markers are old enough".
    @Test func aDaysRuleRemovesLoneDeleteMarkersOnceOldEnough() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await store.setVersioning("bucket", .enabled)
        let version = try await StoreFixture.put(store, bucket: "bucket", key: "d/k", body: "x").versionIDText
        try await store.deleteObject(bucket: "bucket", key: "d/k")
        try await store.deleteObject(bucket: "bucket", key: "d/k", versionID: version)
        try await store.setLifecycle("bucket", LifecycleConfiguration(rules: [Self.rule("days", prefix: "d/", expiration: .init(days: 2))]))
        let clock = TestClock()
        clock.advance(days: 1)
        #expect(await Self.worker(store, clock).run().total == 0)
        #expect(try await store.storedKey(bucket: "bucket", key: "d/k")?.versions.count == 1)
        clock.advance(days: 2)
        #expect(await Self.worker(store, clock).run() == LifecycleWorker.Report(deleteMarkersRemoved: 1))
        #expect(try await store.storedKey(bucket: "bucket", key: "d/k") == nil)
    }

    @Test func incompleteUploadsAreAbortedAfterTheirDaysAndOnlyUnderTheirPrefix() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let doomed = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("up/a"))
        let kept = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("other/a"))
        try await store.setLifecycle("bucket", LifecycleConfiguration(rules: [Self.rule("uploads", prefix: "up/", abortDays: 1)]))
        let clock = TestClock()
        #expect(await Self.worker(store, clock).run().total == 0)
        clock.advance(days: 2.5)
        #expect(await Self.worker(store, clock).run().uploadsAborted == 1)
        #expect(try await store.uploads(bucket: "bucket").map(\.id) == [kept.id])
        #expect(!FileManager.default.fileExists(atPath: store.uploadDirectory(doomed.id).path))
        #expect(FileManager.default.fileExists(atPath: store.uploadDirectory(kept.id).path))
    }

    @Test func aRemovalChecksUnderTheKeysTurnThatTheVersionJudgedDueIsStillThere() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let old = try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "old")
        let plan = LifecyclePlan(
            LifecycleConfiguration(rules: [Self.rule("r", expiration: .init(days: 1))]), schedule: LifecycleSchedule(dayLength: nil))
        let actions = plan.actions(for: try #require(await store.storedKey(bucket: "bucket", key: "k")), now: Date().addingTimeInterval(5 * 86_400))
        #expect(actions == [.expireCurrent(key: "k", version: old.version, rule: "r")])
        // A new write lands between the judgement and the removal: the removal must not take it.
        try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "new")
        try await store.deleteObject(bucket: "bucket", key: "k") { $0?.newest.version == old.version }
        #expect(try await StoreFixture.read(store, bucket: "bucket", key: "k") == "new")
    }

    @Test func theConfigurationSurvivesARestartAndDeleteRemovesIt() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configuration = LifecycleConfiguration(rules: [
            Self.rule("a", prefix: "x/", tags: [.init(key: "k", value: "v")], expiration: .init(days: 3)),
            Self.rule("b", noncurrent: .init(noncurrentDays: 1, newerNoncurrentVersions: 5), abortDays: 2),
        ])
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await store.setLifecycle("bucket", configuration)
        }
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.bucket("bucket").lifecycle == configuration)
        try await reopened.setLifecycle("bucket", nil)
        #expect(try await ObjectStore(path: root).bucket("bucket").lifecycle == nil)
    }
}
