import Foundation
import Logging
import Synchronization

@testable import MSSServer

/// Real data directories for the store tests, and ways to look at them from outside the store.
enum StoreFixture {
    /// Polls `condition` until it holds (a store's disk work ends on threads of its own).
    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "mss-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func object(_ key: String, size: Int64 = 1) -> StoredObject {
        StoredObject(
            key: key, size: size, etag: "e", lastModified: Date(), contentType: nil, contentHeaders: [:], metadata: [:],
            acl: .private, checksums: [:], version: "")
    }

    /// Stores `body` as `key` the way a PUT does: a file in .mss/tmp, then a commit.
    @discardableResult
    static func put(_ store: ObjectStore, bucket: String, key: String, body: String) async throws -> StoredObject {
        let path = store.temporaryPath()
        guard FileManager.default.createFile(atPath: path, contents: Data(body.utf8)) else { throw CocoaError(.fileWriteUnknown) }
        return try await store.commit(bucket: bucket, object: object(key, size: Int64(body.utf8.count)), temporaryPath: path)
    }

    /// The body of `key` as a GET would find it, nil when the key is not there.
    static func read(_ store: ObjectStore, bucket: String, key: String) async throws -> String? {
        guard let object = try await store.object(bucket: bucket, key: key) else { return nil }
        return try storedBytes(store, bucket: bucket, object: object).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A store at `root` holding one object, `bucket/k`, closed again; the path of its metadata.
    static func oneObject(at root: String, acl: StoredACL, body: String) async throws -> String {
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: acl)
        try await put(store, bucket: "bucket", key: "k", body: body)
        try checkpoint(store)
        return metadataPath(store, bucket: "bucket", key: "k")
    }

    /// Makes every change so far durable in its files and empties the write-ahead log, as a
    /// store does from time to time: damage a test does to the files afterwards is then damage
    /// the log cannot undo, as after a crash long after the write.
    static func checkpoint(_ store: ObjectStore) throws {
        try store.log?.checkpoint()
    }

    static func metadataPath(_ store: ObjectStore, bucket: String, key: String) -> String {
        ObjectStore.metadataPath(shard: store.shardDirectory(bucket: bucket, hash: ObjectStore.keyHash(key)), hash: ObjectStore.keyHash(key))
    }

    /// The bytes `object` has on disk, read from its key's document when it is inline and from
    /// its data file otherwise; nil when they are not there.
    static func storedBytes(_ store: ObjectStore, bucket: String, object: StoredObject) throws -> Data? {
        guard object.isInline else { return FileManager.default.contents(atPath: store.dataPath(bucket: bucket, object: object)) }
        return try document(store, bucket: bucket, key: object.key)?.inlineBytes[object.version]
    }

    /// The whole document of `key`, inline bytes included, wherever it is: its file, or its
    /// entry in the bucket's packs; nil when it has none.
    static func document(_ store: ObjectStore, bucket: String, key: String) throws -> StoredKey? {
        let hash = ObjectStore.keyHash(key)
        return try KeyDocumentSource(
            root: store.rootPath, bucket: bucket, key: key, hash: hash, path: metadataPath(store, bucket: bucket, key: key), index: store.index,
            packed: true
        ).read()
    }

    /// Every file and folder under `root` with its contents (folders as nil), to prove nothing
    /// changed.
    static func tree(_ root: String) -> [String: Data?] {
        var result: [String: Data?] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return result }
        while let relative = enumerator.nextObject() as? String {
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            result[relative] = isDirectory.boolValue ? .some(nil) : FileManager.default.contents(atPath: path)
        }
        return result
    }

    /// Permission bits of `path`.
    static func mode(_ path: String) -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0o7777 }
        return status.st_mode & 0o777
    }

    /// Rewrites the JSON document at `path` through `change`.
    static func editJSON(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard var document = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        change(&document)
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    }
}

/// Keeps every message logged through it, for tests that check what an operator is told.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let line = "\(event.level) \(event.message) " + fields.joined(separator: " ")
            log.lines.withLock { $0.append(line) }
        }
    }
}

/// Flushes of a ``DurabilityBarrier`` that a test holds, counts and fails at will.
final class TestFlushes: Sendable {
    struct State {
        var started = 0
        var finished = 0
        var failing: Set<Int> = []
        var held: Set<Int> = []
    }
    let state = Mutex(State())
    let released = DispatchSemaphore(value: 0)

    func run() -> Int32 {
        let (number, hold) = state.withLock { state in
            state.started += 1
            return (state.started, state.held.contains(state.started))
        }
        if hold { released.wait() }
        return state.withLock { state in
            state.finished = number
            return state.failing.contains(number) ? EIO : 0
        }
    }

    var started: Int { state.withLock(\.started) }
    var finished: Int { state.withLock(\.finished) }
}
