import Foundation
import Testing

@testable import MSSServer

/// A store of 100,000 objects opens in seconds and lists exactly what was written. The files are
/// laid out the way commits lay them out (same paths, same JSON encoding), without a fsync each,
/// so that the test measures the start and not the disk.
@Suite struct LargeStoreRestartTests {
    static let count = 100_000

    /// Each key's document and an empty data file, at the paths and in the encoding of a commit.
    static func writeObjects(_ keys: [String], into store: ObjectStore) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        for key in keys {
            var object = StoreFixture.object(key, size: 0)
            object.version = UUID().uuidString.lowercased()
            let shard = store.shardDirectory(bucket: "many", key: key).path
            let data = try encoder.encode(StoredKey(object))
            guard FileManager.default.createFile(atPath: shard + "/\(ObjectStore.keyHash(key)).json", contents: data),
                FileManager.default.createFile(atPath: store.dataPath(bucket: "many", object: object), contents: nil)
            else { throw CocoaError(.fileWriteUnknown) }
        }
    }

    @Test func aHundredThousandObjectsOpenInSecondsAndListTheSameKeys() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var keys: [String] = []
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("many", acl: .private)
            var generator = SystemRandomNumberGenerator()
            var made = Set<String>()
            while made.count < Self.count {
                // Prefixes that share and diverge, as real key spaces do.
                made.insert("d\(generator.next() % 50)/s\(generator.next() % 20)/f-\(generator.next() % 10_000_000).jpg")
            }
            keys = made.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for shard in 0..<256 {
                let name = String(shard, radix: 16)
                try FileManager.default.createDirectory(
                    atPath: store.bucketDirectory("many").path + "/objects/" + (name.count == 1 ? "0" + name : name),
                    withIntermediateDirectories: true)
            }
            // Four writers on the store's I/O threads, not on the cooperative threads every other
            // test of the run shares: the files, not the test, should be what takes time.
            let chunks = stride(from: 0, to: keys.count, by: keys.count / 4 + 1).map { Array(keys[$0..<min(keys.count, $0 + keys.count / 4 + 1)]) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in chunks {
                    group.addTask { try await StoreIO.run { Result { try Self.writeObjects(chunk, into: store) } }.get() }
                }
                try await group.waitForAll()
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let reopened = try await ObjectStore(path: root)
        let opening = clock.now - started
        // "Seconds" on a 2-core CI machine running a debug build: the bound leaves room for a slow
        // disk and still fails a start that grows with the square of the objects or hangs.
        #expect(opening < .seconds(30), "opening took \(opening)")
        print("LargeStoreRestartTests: opened \(Self.count) objects in \(opening)")

        var listed: [String] = []
        var marker: String?
        repeat {
            let page = try await reopened.list(bucket: "many", prefix: "", delimiter: nil, marker: marker, maxKeys: 1000)
            listed.append(contentsOf: page.objects.map(\.key))
            marker = page.isTruncated ? page.last : nil
        } while marker != nil
        #expect(listed == keys)
    }
}
