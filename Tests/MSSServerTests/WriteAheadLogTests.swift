import CSyncFS
import Foundation
import MSSStoreFormat
import NIOCore
import Synchronization
import Testing

@testable import MSSServer

/// The write-ahead log: what it acknowledged survives the loss of every file written after the
/// last checkpoint, nothing is acknowledged before its sync, history it replays never brings back
/// an older state, and a log that lies writes nothing outside the store.
@Suite struct WriteAheadLogTests {
    static func put(_ store: ObjectStore, bucket: String, key: String, bytes: [UInt8]) async throws -> StoredObject {
        try await store.commit(
            bucket: bucket, object: StoredObject.withSize(key, bytes.count),
            source: .memory(ByteBuffer(bytes: bytes), staging: store.temporaryPath()))
    }

    static func body(_ key: String, _ round: Int, size: Int = 1500) -> [UInt8] {
        let seed = Array("\(key)#\(round)".utf8)
        return (0..<size).map { seed[$0 % seed.count] &+ UInt8(truncatingIfNeeded: $0 / seed.count) }
    }

    /// Expects every key of `expected` to be an object of `bucket` in `store` whose data file, or
    /// document for an inline one, holds exactly its bytes.
    static func expectContents(
        _ store: ObjectStore, bucket: String, _ expected: [String: [UInt8]], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (key, bytes) in expected {
            let object = try #require(try await store.object(bucket: bucket, key: key), "\(key)", sourceLocation: sourceLocation)
            #expect(
                try StoreFixture.storedBytes(store, bucket: bucket, object: object) == Data(bytes), "\(key)", sourceLocation: sourceLocation)
        }
    }

    /// A log of its own in the empty folder `root`, outside any store.
    static func emptyLog(root: String, segmentLimit: Int = WriteAheadLog.Settings().segmentLimit) throws -> WriteAheadLog {
        try emptyLog(root: root, settings: WriteAheadLog.Settings(segmentLimit: segmentLimit))
    }

    static func emptyLog(root: String, settings: WriteAheadLog.Settings) throws -> WriteAheadLog {
        try FileManager.default.createDirectory(atPath: root + "/.mss", withIntermediateDirectories: true)
        return try WriteAheadLog(root: root, barrier: try DurabilityBarrier(directory: root), settings: settings)
    }

    /// Key `k`'s document in bucket `box`, as the log names it: the path the records of these
    /// tests change.
    static let documentPath: String = {
        let hash = ObjectStore.keyHash("k")
        return "buckets/box/objects/\(hash.prefix(2))/\(hash).json"
    }()

    /// A record that writes `bytes` as key `k`'s document.
    static func document(_ bytes: [UInt8]) -> WriteLogRecord {
        WriteLogRecord(operations: [.document(path: documentPath, bytes: bytes)])
    }

    /// `count` random bytes.
    static func randomBytes(_ count: Int, using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Appends `records` to `log` in one call, all of them, syncs them and hands their tickets back.
    static func appendDurably(_ records: [WriteLogRecord], to log: WriteAheadLog) throws {
        let tickets = try log.write(records[...])
        try #require(tickets.count == records.count)
        try log.sync(tickets)
        for ticket in tickets { log.applied(ticket) }
    }

    /// The files of every shard folder under `root`: what a power cut takes when none of them
    /// was flushed.
    static func shardFiles(_ root: String) -> [String] {
        let buckets = (try? FileManager.default.contentsOfDirectory(atPath: root + "/buckets")) ?? []
        return buckets.flatMap { bucket -> [String] in
            let objects = root + "/buckets/" + bucket + "/objects"
            let shards = (try? FileManager.default.contentsOfDirectory(atPath: objects)) ?? []
            return shards.flatMap { shard in
                ((try? FileManager.default.contentsOfDirectory(atPath: objects + "/" + shard)) ?? []).map { objects + "/" + shard + "/" + $0 }
            }
        }
    }

    /// The document packs of every bucket under `root`, with their sizes.
    static func packSizes(_ root: String) -> [String: Int] {
        let buckets = (try? FileManager.default.contentsOfDirectory(atPath: root + "/buckets")) ?? []
        var sizes: [String: Int] = [:]
        for bucket in buckets {
            let folder = DocumentPacks.directory(root: root, bucket: bucket)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let path = folder + "/" + name
                sizes[path] = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            }
        }
        return sizes
    }

    /// With bodies kept inline in their documents (entries of the buckets' packs), and bodies in
    /// data files of their own.
    @Test(arguments: [1500, IncomingData.Source.inlineLimit + 1500])
    func acknowledgedChangesSurviveLosingEveryFileWrittenSinceTheCheckpoint(size: Int) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var expected: [String: [UInt8]] = [:]
        var staleDocument: (path: String, bytes: Data, dataPath: String, data: Data?)?
        var versionedBodies: [[UInt8]] = []
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("plain", acl: .private)
            try await store.createBucket("versioned", acl: .private)
            try await store.setVersioning("versioned", .enabled)
            try StoreFixture.checkpoint(store)
            let packsAtCheckpoint = Self.packSizes(root)
            for index in 0..<40 {
                let key = "k/\(index)"
                expected[key] = Self.body(key, 0, size: size)
                _ = try await Self.put(store, bucket: "plain", key: key, bytes: expected[key]!)
            }
            let first = try await Self.put(store, bucket: "plain", key: "over", bytes: Self.body("over", 0, size: size))
            let metadata = StoreFixture.metadataPath(store, bucket: "plain", key: "over")
            let firstData = store.dataPath(bucket: "plain", object: first)
            #expect(first.isInline == (size <= IncomingData.Source.inlineLimit))
            // An inline version's older document is an entry in a pack, which the power cut below
            // may leave (a pack keeps the part of its appends writeback flushed).
            if !first.isInline {
                staleDocument = (metadata, try Data(contentsOf: URL(fileURLWithPath: metadata)), firstData, try Data(contentsOf: URL(fileURLWithPath: firstData)))
            }
            expected["over"] = Self.body("over", 1, size: size)
            _ = try await Self.put(store, bucket: "plain", key: "over", bytes: expected["over"]!)
            for index in 0..<5 { try await store.deleteObject(bucket: "plain", key: "k/\(index)") }
            for index in 0..<5 { expected["k/\(index)"] = nil }
            for round in 0..<3 {
                versionedBodies.append(Self.body("v", round, size: size))
                _ = try await Self.put(store, bucket: "versioned", key: "v", bytes: versionedBodies[round])
            }
            // Files are written in place after their record: a crash can cut one short.
            let torn = try #require(try await store.object(bucket: "plain", key: "k/39"))
            let tornFiles = torn.isInline ? [] : [StoreFixture.metadataPath(store, bucket: "plain", key: "k/39"), store.dataPath(bucket: "plain", object: torn)]
            let tornHalves = try tornFiles.map { path -> Data in
                let whole = try Data(contentsOf: URL(fileURLWithPath: path))
                return whole.prefix(whole.count / 2)
            }
            // A power cut: nothing written since the checkpoint reached the disk, except an older
            // document of one key, which writeback happened to flush, and the first part of
            // another key's document and bytes.
            for file in Self.shardFiles(root) { try FileManager.default.removeItem(atPath: file) }
            // Of what packs gained since the checkpoint, the first half reached the disk: older
            // entries of some keys, and an entry cut short.
            for (path, size) in Self.packSizes(root) {
                let before = packsAtCheckpoint[path] ?? 0
                #expect(truncate(path, off_t(before + (size - before) / 2)) == 0)
            }
            if let staleDocument {
                try staleDocument.bytes.write(to: URL(fileURLWithPath: staleDocument.path))
                try staleDocument.data?.write(to: URL(fileURLWithPath: staleDocument.dataPath))
            }
            for (path, half) in zip(tornFiles, tornHalves) { try half.write(to: URL(fileURLWithPath: path)) }
        }
        let report = try StoreCheckReport(dataDirectory: root)
        // 40 keys, "over", and "v".
        #expect(report.description.contains("42 key(s) changed in the write-ahead log"), "\(report)")
        // The document cut short is written whole by the start before it reads it: not damage.
        #expect(report.isClean, "\(report)")
        // (An entry cut short at the end of a pack is no problem at all.)
        if size > IncomingData.Source.inlineLimit { #expect(report.problemsTheLogRepairs > 0) }
        let log = CapturedLog()
        let reopened = try await ObjectStore(path: root, logger: log.logger)
        #expect(log.all.contains { $0.contains("applied from the write-ahead log") && $0.contains("keys=42") })
        let listing = try await reopened.list(bucket: "plain", prefix: "", delimiter: nil, marker: nil, maxKeys: 1000)
        #expect(listing.objects.map(\.key).sorted() == expected.keys.sorted())
        try await Self.expectContents(reopened, bucket: "plain", expected)
        // The older version's bytes are garbage once the log says what replaced them.
        if let staleDocument { #expect(!FileManager.default.fileExists(atPath: staleDocument.dataPath)) }
        let versions = try #require(try await reopened.storedKey(bucket: "versioned", key: "v")).versions
        #expect(versions.count == 3)
        for (object, bytes) in zip(versions, versionedBodies.reversed()) {
            #expect(try StoreFixture.storedBytes(reopened, bucket: "versioned", object: object) == Data(bytes))
        }
        // Applied once: the log is empty again, and a clean stop leaves a trusted index.
        #expect(WriteLogReplay(root: root).records.isEmpty)
        try await reopened.close()
        #expect(KeyIndex.inspect(path: KeyIndex.path(root: root)) == .trusted)
    }

    @Test func historyReplayedAcrossManyCheckpointsNeverBringsBackAnOlderState() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Segments of 16 KiB: many rotations and checkpoints.
        let settings = WriteAheadLog.Settings(segmentLimit: 16 << 10)
        var expected: [String: [UInt8]] = [:]
        do {
            let store = try await ObjectStore(path: root, writeLog: settings)
            try await store.createBucket("box", acl: .private)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for round in 0..<25 {
                            _ = try await Self.put(store, bucket: "box", key: "shared/\(writer)", bytes: Self.body("shared/\(writer)", round, size: 700))
                            _ = try await Self.put(store, bucket: "box", key: "own/\(writer)/\(round)", bytes: Self.body("own", round, size: 300))
                            if round % 3 == 0 { try await store.deleteObject(bucket: "box", key: "own/\(writer)/\(round)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<8 {
                expected["shared/\(writer)"] = Self.body("shared/\(writer)", 24, size: 700)
                for round in 0..<25 where round % 3 != 0 { expected["own/\(writer)/\(round)"] = Self.body("own", round, size: 300) }
            }
            #expect(!WriteLogReplay(root: root).records.isEmpty)
        }
        // Killed: the files are all there, and the log holds some of their history.
        let reopened = try await ObjectStore(path: root, writeLog: settings)
        let listing = try await reopened.list(bucket: "box", prefix: "", delimiter: nil, marker: nil, maxKeys: 1000)
        #expect(listing.objects.map(\.key).sorted() == expected.keys.sorted())
        try await Self.expectContents(reopened, bucket: "box", expected)
    }

    @Test func nothingIsAcknowledgedBeforeTheLogsSyncAndAFailedSyncStopsTheLog() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let syncs = TestFlushes()
        var settings = WriteAheadLog.Settings()
        settings.sync = { descriptor in fdatasync(descriptor) == 0 ? syncs.run() : errno }
        let failedBody = "received into a file"
        do {
            let store = try await ObjectStore(path: root, writeLog: settings)
            try await store.createBucket("box", acl: .private)
            _ = try await StoreFixture.put(store, bucket: "box", key: "failed", body: "the older version")
            let held = syncs.started + 1
            syncs.state.withLock { $0.held = [held] }
            let put = Task { try await Self.put(store, bucket: "box", key: "held", bytes: Self.body("held", 0)) }
            try await StoreFixture.waitUntil { syncs.started == held }
            // Reads go on, and the write is neither visible nor in its files while its sync runs.
            #expect(try await store.object(bucket: "box", key: "failed") != nil)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await store.object(bucket: "box", key: "held") == nil)
            #expect(!FileManager.default.fileExists(atPath: StoreFixture.metadataPath(store, bucket: "box", key: "held")))
            syncs.released.signal()
            _ = try await put.value
            #expect(try await store.object(bucket: "box", key: "held") != nil)

            // A failed sync answers an error and shows nothing; and since the kernel may have
            // dropped what it could not write, the log takes nothing more until a restart.
            syncs.state.withLock { $0.failing = [$0.started + 1] }
            await #expect(throws: S3ServerError.self) { try await StoreFixture.put(store, bucket: "box", key: "failed", body: failedBody) }
            #expect(try await StoreFixture.read(store, bucket: "box", key: "failed") == "the older version")
            await #expect(throws: S3ServerError.self) { _ = try await Self.put(store, bucket: "box", key: "after", bytes: [4, 5, 6]) }
        }
        // This sync did write the record (only its answer was failed): the restart installs the
        // write, with the bytes its record names, which were kept for it.
        let reopened = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(reopened, bucket: "box", key: "failed") == failedBody)
        #expect(try await reopened.object(bucket: "box", key: "held") != nil)
        #expect(try await reopened.object(bucket: "box", key: "after") == nil)
        _ = try await Self.put(reopened, bucket: "box", key: "after", bytes: [4, 5, 6])
    }

    @Test func changesWaitingTogetherShareOneSyncAndAllFailWithIt() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let syncs = TestFlushes()
        var settings = WriteAheadLog.Settings()
        settings.sync = { descriptor in fdatasync(descriptor) == 0 ? syncs.run() : errno }
        let keys = (0..<8).map { "batch/\($0)" }
        do {
            let store = try await ObjectStore(path: root, writeLog: settings)
            try await store.createBucket("box", acl: .private)
            let writer = try #require(store.logWriter)
            let held = syncs.started + 1
            syncs.state.withLock { $0.held = [held]; $0.failing = [held + 1] }
            let first = Task { try await Self.put(store, bucket: "box", key: "first", bytes: Self.body("first", 0)) }
            try await StoreFixture.waitUntil { syncs.started == held }
            // While the first change's sync runs, eight more arrive: the next batch is all of them.
            let batch = keys.map { key in Task { try await Self.put(store, bucket: "box", key: key, bytes: Self.body(key, 0)) } }
            try await StoreFixture.waitUntil { writer.waiting == keys.count }
            syncs.released.signal()
            _ = try await first.value
            for task in batch { await #expect(throws: S3ServerError.self) { _ = try await task.value } }
            #expect(syncs.started == held + 1, "one sync for the eight changes")
            for key in keys { #expect(try await store.object(bucket: "box", key: key) == nil) }
            #expect(try await store.object(bucket: "box", key: "first") != nil)
        }
        // The failed sync did write the batch's records (only its answer failed): the restart
        // installs every one of them, bytes and all.
        let reopened = try await ObjectStore(path: root)
        for key in keys {
            let object = try #require(try await reopened.object(bucket: "box", key: key))
            #expect(try StoreFixture.storedBytes(reopened, bucket: "box", object: object) == Data(Self.body(key, 0)), "\(key)")
        }
    }

    @Test func aChangeTooLargeForTheLogAmongABatchIsWrittenAloneAndNotUndoneByAReplay() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 20 KiB bodies cannot fit 16 KiB segments: they take the barrier's way, in the middle of
        // batches of small changes, and each follows a logged change of the same key.
        let settings = WriteAheadLog.Settings(segmentLimit: 16 << 10)
        var expected: [String: [UInt8]] = [:]
        do {
            let store = try await ObjectStore(path: root, writeLog: settings)
            try await store.createBucket("box", acl: .private)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        _ = try await Self.put(store, bucket: "box", key: "big/\(writer)", bytes: Self.body("big/\(writer)", 0, size: 500))
                        _ = try await Self.put(store, bucket: "box", key: "big/\(writer)", bytes: Self.body("big/\(writer)", 1, size: 20 << 10))
                        for round in 0..<2 {
                            _ = try await Self.put(store, bucket: "box", key: "small/\(writer)", bytes: Self.body("small/\(writer)", round, size: 400))
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<6 {
                expected["big/\(writer)"] = Self.body("big/\(writer)", 1, size: 20 << 10)
                expected["small/\(writer)"] = Self.body("small/\(writer)", 1, size: 400)
            }
            try await Self.expectContents(store, bucket: "box", expected)
        }
        // Killed (never closed): the replay of the logged 500-byte versions must not bring them
        // back over the large ones written after them.
        let reopened = try await ObjectStore(path: root, writeLog: settings)
        try await Self.expectContents(reopened, bucket: "box", expected)
    }

    @Test func aLogWhoseChangeDidNotReachItsFilesIsKeptForTheNextStart() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let body = Self.body("k", 0)
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            var object = try await Self.put(store, bucket: "box", key: "k", bytes: body)
            let log = try #require(store.log)
            // A change whose record is durable and whose document, written in place, was cut
            // short by a failed write: the log takes no more changes.
            let path = StoreFixture.metadataPath(store, bucket: "box", key: "k")
            // As the store writes it: with the bytes of an inline version.
            var stored = try #require(try StoreFixture.document(store, bucket: "box", key: "k"))
            object.contentType = "text/changed"
            let replaced = stored.replace(object)
            #expect(replaced)
            let document = try store.encoder.encode(stored)
            let ticket = try log.append(
                WriteLogRecord(operations: [.document(path: String(path.dropFirst(store.rootPath.count + 1)), bytes: Array(document))]))
            try document.prefix(document.count / 2).write(to: URL(fileURLWithPath: path))
            log.fail("the document could not be written")
            log.applied(ticket)
            await #expect(throws: S3ServerError.self) { _ = try await Self.put(store, bucket: "box", key: "other", bytes: [1]) }
            // Neither a bucket's delete nor a clean stop empties the log, which would leave the
            // torn document as the key's and the key lost at the next rebuild.
            await #expect(throws: S3ServerError.self) { try await store.deleteBucket("box") }
            await #expect(throws: (any Error).self) { try await store.close() }
            #expect(!WriteLogReplay(root: root).records.isEmpty)
        }
        let reopened = try await ObjectStore(path: root)
        let object = try #require(try await reopened.object(bucket: "box", key: "k"))
        #expect(object.contentType == "text/changed")
        #expect(try StoreFixture.storedBytes(reopened, bucket: "box", object: object) == Data(body))
        try await reopened.close()
        #expect(KeyIndex.inspect(path: KeyIndex.path(root: root)) == .trusted)
    }

    @Test func aCrashBetweenTheWipesOfACheckpointLeavesTheNewerRecords() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let settings = WriteAheadLog.Settings(segmentLimit: 16 << 10)
        // Written over many rotations: each segment holds some of the key's states, and the
        // segment written first since the last rotation may be either one.
        for rounds in [57, 58, 60, 63] {
            var last: [UInt8] = []
            do {
                let store = try await ObjectStore(path: root, writeLog: settings)
                if (try? await store.bucket("box")) == nil { try await store.createBucket("box", acl: .private) }
                for round in 0..<rounds {
                    last = Self.body("k", round, size: 900)
                    _ = try await Self.put(store, bucket: "box", key: "k", bytes: last)
                }
                // The crash: the first wipe of the checkpoint done, the second not. The files
                // themselves are all there, as the checkpoint's syncfs had made them durable.
                let order = WriteLogReplay(root: root).segmentsOldestFirst
                // What a checkpoint wipes first is what the disk says is older.
                #expect(store.log?.segmentsOldestFirst == order)
                try Data(count: WriteLogRecord.headerSize).write(to: URL(fileURLWithPath: WriteAheadLog.segmentPath(root: root, order[0])), options: [])
            }
            let reopened = try await ObjectStore(path: root, writeLog: settings)
            let object = try #require(try await reopened.object(bucket: "box", key: "k"))
            #expect(try StoreFixture.storedBytes(reopened, bucket: "box", object: object) == Data(last), "\(rounds) rounds")
            try await reopened.close()
        }
    }

    @Test func aStoreOpenedWithoutALogDoesNotReplayItTwice() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "k", bytes: Array("logged".utf8))
        }
        do {
            let withoutLog = try await ObjectStore(path: root, writeLog: nil)
            #expect(try await StoreFixture.read(withoutLog, bucket: "box", key: "k") == "logged")
            _ = try await Self.put(withoutLog, bucket: "box", key: "k", bytes: Array("written file by file".utf8))
        }
        let again = try await ObjectStore(path: root, writeLog: nil)
        #expect(try await StoreFixture.read(again, bucket: "box", key: "k") == "written file by file")
    }

    @Test func aDeletedBucketsKeysAreNotReplayedIntoABucketOfTheSameName() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "gone", bytes: Self.body("gone", 0))
            try await store.deleteObject(bucket: "box", key: "gone")
            try await store.deleteBucket("box")
            #expect(WriteLogReplay(root: root).records.isEmpty)
            try await store.createBucket("box", acl: .private)
        }
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.list(bucket: "box", prefix: "", delimiter: nil, marker: nil, maxKeys: 10).objects.isEmpty)
    }

    @Test func aLyingLogWritesNothingOutsideTheStoreNorAnythingAfterTheLie() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outside = root + "-outside"
        defer { try? FileManager.default.removeItem(atPath: outside) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            try StoreFixture.checkpoint(store)
        }
        let hash = ObjectStore.keyHash("k")
        let good = Self.documentPath
        let hostile = [
            "../" + root.split(separator: "/").last! + "-outside/x.json", "/etc/passwd", "buckets/../../x/objects/aa/\(hash).json",
            "buckets/box/objects/zz/\(hash).json", "buckets/box/objects/\(hash.prefix(2))/\(hash.uppercased()).json",
            "buckets/box/objects/\(hash.prefix(2))/\(hash)", "buckets/box/objects/\(hash.prefix(2))/\(hash)./", "buckets/box/objects/\(hash.prefix(2))/\(hash).a/b",
        ]
        for path in hostile { #expect(!WriteLogRecord.isStorePath(path), "\(path)") }
        #expect(WriteLogRecord.isStorePath(good))
        // A record whose checksum is right but whose path is not one the store writes, then a
        // good record: neither is applied, as nothing after a bad record counts.
        let lie = WriteLogRecord(operations: [.document(path: hostile[0], bytes: Array("{}".utf8))])
        let after = WriteLogRecord(operations: [.document(path: good, bytes: Array("{}".utf8))])
        var bytes = lie.encoded(generation: 7, sequence: 1)
        bytes += after.encoded(generation: 7, sequence: 2)
        try Data(bytes).write(to: URL(fileURLWithPath: WriteAheadLog.segmentPath(root: root, 0)))
        #expect(WriteLogReplay(root: root).records.isEmpty)
        _ = try await ObjectStore(path: root)
        #expect(!FileManager.default.fileExists(atPath: outside))
        #expect(!FileManager.default.fileExists(atPath: root + "/" + good))
    }

    /// A new segment's file grows with the records appended to it and no further (no zeros
    /// written ahead, which a new store paid for in its first seconds), up to its limit; the
    /// other one then takes the records, and everything appended is replayed.
    @Test func segmentsGrowWithTheirRecordsUpToTheirLimit() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let limit = 64 << 10
        let log = try Self.emptyLog(root: root, segmentLimit: limit)
        func size(_ index: Int) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: WriteAheadLog.segmentPath(root: root, index))[.size] as? Int) ?? -1
        }
        #expect(try size(0) == 0 && size(1) == 0)
        let records = (0..<24).map { index in Self.document(Array(repeating: UInt8(index), count: 4000)) }
        let recordSize = records[0].encoded(generation: 1, sequence: 1).count
        let perSegment = limit / recordSize
        // Appends write whole blocks (for O_DIRECT), the last one ending in zeros.
        func blocks(_ bytes: Int) -> Int { (bytes + WriteAheadLog.blockSize - 1) / WriteAheadLog.blockSize * WriteAheadLog.blockSize }
        for (index, record) in records.enumerated() {
            log.applied(try log.append(record))
            let appended = index + 1
            #expect(try size(0) == blocks(min(appended, perSegment) * recordSize), "after \(appended)")
            #expect(try size(1) == blocks(max(0, appended - perSegment) * recordSize), "after \(appended)")
        }
        #expect(WriteLogReplay(root: root).records == records)
    }

    @Test func everyTornOrFlippedRecordIsRefused() throws {
        let hash = ObjectStore.keyHash("k")
        let record = WriteLogRecord(operations: [
            .data(path: "buckets/box/objects/\(hash.prefix(2))/\(hash).0a1b-2c", bytes: Array(0..<200)),
            .document(path: Self.documentPath, bytes: Array("{\"k\":1}".utf8)),
        ])
        let bytes = record.encoded(generation: 42, sequence: 9)
        let header = Array(bytes.prefix(WriteLogRecord.headerSize))
        let payload = Array(bytes.dropFirst(WriteLogRecord.headerSize))
        let decoded = try #require(WriteLogRecord.decode(header: header, payload: payload))
        #expect(decoded.1 == record)
        #expect(decoded.0.generation == 42 && decoded.0.sequence == 9)
        for index in bytes.indices {
            var flipped = bytes
            flipped[index] ^= 0x20
            #expect(
                WriteLogRecord.decode(header: Array(flipped.prefix(32)), payload: Array(flipped.dropFirst(32))) == nil, "byte \(index)")
        }
        for cut in stride(from: 33, to: bytes.count, by: 7) {
            #expect(WriteLogRecord.decode(header: header, payload: Array(bytes[32..<cut])) == nil)
        }
    }
}

extension WriteAheadLogTests {
    /// Segments damaged at random, the way a disk or a torn write damages them: reading never
    /// traps, and what it reads is always a leading run of the records written, whole.
    @Test func randomlyDamagedSegmentsReadAsALeadingRunOfWholeRecords() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let hash = ObjectStore.keyHash("k")
        let records = (0..<6).map { index in
            WriteLogRecord(operations: [
                .data(path: "buckets/box/objects/\(hash.prefix(2))/\(hash).v\(index)", bytes: Array(repeating: UInt8(index), count: 40 * index)),
                .document(path: Self.documentPath, bytes: Array("{\"n\":\(index)}".utf8)),
            ])
        }
        let clean = records.enumerated().flatMap { $0.element.encoded(generation: 99, sequence: UInt64($0.offset + 1)) }
        let path = root + "/segment"
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var bytes = clean
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes[Int.random(in: bytes.indices, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
                case 1: bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator))
                case 2:
                    let at = Int.random(in: 0...bytes.count, using: &generator)
                    bytes.insert(contentsOf: (0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255) }, at: at)
                default:
                    // A length field that claims far more than there is.
                    if bytes.count >= 8 { bytes.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0xFF, 0x7F]) }
                }
                if bytes.isEmpty { break }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let read = WriteLogReplay.read(path).map(\.1)
            #expect(read == Array(records.prefix(read.count)))
        }
    }
}

extension WriteAheadLogTests {
    /// Appends write whole blocks from the one holding the log's end, so a record shares its
    /// first block with the records before it and writes their bytes again: records of every size,
    /// a few bytes to several blocks, appended one by one and in groups, across a change of
    /// segment, all read back in order after every append.
    @Test func recordsOfEverySizeSharingBlocksAreAllReadBackInOrder() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let limit = 96 << 10
        let log = try Self.emptyLog(root: root, segmentLimit: limit)
        var generator = SystemRandomNumberGenerator()
        var appended: [WriteLogRecord] = []
        var bytes = 0
        // Short of filling both segments, after which the older one's records are overwritten.
        while bytes < limit * 3 / 2 {
            let group = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                let size = [Int.random(in: 0...40, using: &generator), Int.random(in: 0...5000, using: &generator), Int.random(in: 0...9000, using: &generator)]
                    .randomElement(using: &generator)!
                return Self.document(Self.randomBytes(size, using: &generator))
            }
            try Self.appendDurably(group, to: log)
            appended += group
            bytes += group.reduce(0) { $0 + WriteLogRecord.headerSize + $1.payloadSize }
            // Compared whole but reported by count: the records run to tens of kilobytes.
            let read = WriteLogReplay(root: root).records
            #expect(read == appended, "\(read.count) records read back of \(appended.count) appended")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: WriteAheadLog.segmentPath(root: root, 1))[.size] as? Int ?? 0 > 0)
    }

    /// An append rewrites the block that holds the log's end, records already durable included.
    /// A crash can tear that write at any 512-byte sector: each sector then holds its bytes from
    /// before the write or from after it (or, past the old end of the file, nothing). Every such
    /// mix still reads back every record that was durable before, whole, followed by a leading
    /// run of the new ones.
    @Test func aTornRewriteOfTheEndBlockNeverLosesARecordAlreadyDurable() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let log = try Self.emptyLog(root: root)
        var generator = SystemRandomNumberGenerator()
        func group(_ sizes: [Int]) -> [WriteLogRecord] {
            sizes.map { Self.document(Self.randomBytes($0, using: &generator)) }
        }
        // Ends mid-block, so the next append writes that block again.
        let durable = group([700, 3000, 150])
        try Self.appendDurably(durable, to: log)
        let segment = WriteAheadLog.segmentPath(root: root, 0)
        let before = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        let next = group([90, 5000, 40])
        try Self.appendDurably(next, to: log)
        let after = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        #expect(before.count % WriteAheadLog.blockSize == 0 && after.count > before.count)
        let sector = 512
        for _ in 0..<500 {
            var torn: [UInt8] = []
            for start in stride(from: 0, to: after.count, by: sector) {
                let new = Array(after[start..<min(start + sector, after.count)])
                if start < before.count {
                    torn += Bool.random(using: &generator) ? new : Array(before[start..<min(start + sector, before.count)])
                } else if Bool.random(using: &generator) {
                    torn += new
                } else {
                    break
                }
            }
            try Data(torn).write(to: URL(fileURLWithPath: segment))
            let read = WriteLogReplay.read(segment).map(\.1)
            #expect(read.count >= durable.count && read == Array((durable + next).prefix(read.count)), "\(read.count) records read back")
        }
    }

    /// A batch larger than the memory the log keeps for its appends (documents of many versions)
    /// is written whole, and so are the small ones after it, in the block it ended in.
    @Test func aBatchLargerThanTheKeptBufferIsWrittenWholeAndSoAreTheNextOnes() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let log = try Self.emptyLog(root: root)
        let large = (0..<3).map { index in
            Self.document(Array(repeating: UInt8(index), count: WriteAheadLog.keptBlocksLimit / 2 + 777))
        }
        let small = (0..<3).map { index in Self.document([UInt8(index), 7]) }
        var written: [WriteLogRecord] = []
        for group in [large, small, [large[0]], small] {
            try Self.appendDurably(group, to: log)
            written += group
            let read = WriteLogReplay(root: root).records
            #expect(read == written, "\(read.count) records read back of \(written.count) appended")
        }
    }

    #if os(Linux)
    /// The open flags of this process's descriptors on the file at `path`.
    static func openFlags(of path: String) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd -> Int32? in
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) == path,
                let info = try? String(contentsOfFile: "/proc/self/fdinfo/" + fd, encoding: .utf8),
                let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") })
            else { return nil }
            return Int32(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
        }
    }

    /// Whether a file in `folder` opens with `O_DIRECT`.
    static func opensDirectly(in folder: String) throws -> Bool {
        let direct = mss_direct_io_flag()
        try #require(direct != 0)
        let probe = open(folder + "/probe", O_RDWR | O_CREAT | O_CLOEXEC | direct, 0o600)
        guard probe >= 0 else { return false }
        close(probe)
        unlink(folder + "/probe")
        return true
    }

    /// The log's appends bypass the page cache wherever the filesystem opens files with
    /// `O_DIRECT` (the reason for writing whole blocks), and records still read back.
    @Test func appendsBypassThePageCacheWhereTheFilesystemAllows() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let allowed = try Self.opensDirectly(in: root)
        let log = try Self.emptyLog(root: root)
        let flags = try Self.openFlags(of: WriteAheadLog.segmentPath(root: root, 0))
        #expect(flags.count == (allowed ? 2 : 1), "\(flags)")
        #expect(flags.contains { $0 & mss_direct_io_flag() != 0 } == allowed, "\(flags)")
        let record = WriteLogRecord(operations: [.removed(path: Self.documentPath)])
        log.applied(try log.append(record))
        #expect(WriteLogReplay(root: root).records == [record])
    }

    /// A filesystem that opens files with `O_DIRECT` but refuses writes of 4 KiB blocks (EINVAL:
    /// it wants larger ones) gets the log's appends through the page cache instead, from the
    /// append it refused on, and nothing appended is lost or out of order. (Where files do not
    /// open with `O_DIRECT` at all, the appends never try it.)
    @Test func appendsRefusedUnbufferedGoThroughThePageCache() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let allowed = try Self.opensDirectly(in: root)
        let refused = Mutex(0)
        var settings = WriteAheadLog.Settings()
        settings.directWrite = { _, _, _, _ in
            refused.withLock { $0 += 1 }
            errno = EINVAL
            return -1
        }
        let log = try Self.emptyLog(root: root, settings: settings)
        let segment = WriteAheadLog.segmentPath(root: root, 0)
        #expect(try Self.openFlags(of: segment).contains { $0 & mss_direct_io_flag() != 0 } == allowed)
        var generator = SystemRandomNumberGenerator()
        var appended: [WriteLogRecord] = []
        // Groups of records of 0-9,000 bytes: some end inside a block, some cross several.
        for group in 0..<12 {
            let records = (0...(group % 4)).map { _ in
                Self.document(Self.randomBytes(Int.random(in: 0...9_000, using: &generator), using: &generator))
            }
            try Self.appendDurably(records, to: log)
            appended += records
            // Compared whole but reported by count: the records run to kilobytes.
            let read = WriteLogReplay(root: root).records
            #expect(read == appended, "after group \(group): \(read.count) records read back of \(appended.count) appended")
        }
        // Refused once, on the first append; every later one went through the page cache.
        #expect(refused.withLock { $0 } == (allowed ? 1 : 0))
        let flags = try Self.openFlags(of: segment)
        #expect(flags.count == 1 && !flags.contains { $0 & mss_direct_io_flag() != 0 }, "\(flags)")
    }
    #endif
}

extension StoredObject {
    fileprivate static func withSize(_ key: String, _ size: Int) -> StoredObject {
        StoreFixture.object(key, size: Int64(size))
    }
}
