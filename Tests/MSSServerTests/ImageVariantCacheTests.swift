import Foundation
import NIOCore
import Testing

@testable import MSSServer

/// The cache of rendered variants on its own: names, reading back, eviction order, damage.
@Suite("Image variant cache")
struct ImageVariantCacheTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mss-variants-\(UUID().uuidString)").path

    private func variant(_ size: Int, _ fill: UInt8 = 7) -> ImageVariantCache.Variant {
        .init(bytes: ByteBuffer(bytes: [UInt8](repeating: fill, count: size)), contentType: "image/jpeg", etag: "e\(size)-\(fill)")
    }

    private func key(_ process: String, version: String = "v1", key: String = "k") -> ImageVariantCache.Key {
        .init(bucket: "b", key: key, sourceVersion: version, process: process)
    }

    @Test func namesDependOnEveryFieldAndCannotCollideByConcatenation() {
        let names = Set([
            key("100w").name, key("100w", version: "v2").name, key("100w", key: "k2").name, key("50w").name,
            ImageVariantCache.Key(bucket: "b", key: "k", sourceVersion: "v1", process: "100w", watermarks: ["m=1"]).name,
            // "ab" + "c" and "a" + "bc" are different keys.
            ImageVariantCache.Key(bucket: "ab", key: "c", sourceVersion: "v", process: "p").name,
            ImageVariantCache.Key(bucket: "a", key: "bc", sourceVersion: "v", process: "p").name,
        ])
        #expect(names.count == 7)
    }

    @Test func storedVariantsReadBackAndSurviveReopening() async throws {
        let cache = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        await cache.store(variant(1000), for: key("100w"))
        let read = try #require(await cache.variant(for: key("100w")))
        #expect(read.bytes.readableBytes == 1000 && read.etag == "e1000-7" && read.contentType == "image/jpeg")
        #expect(await cache.variant(for: key("100w", version: "v2")) == nil)
        let reopened = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        #expect(reopened.count == 1)
        #expect(await reopened.variant(for: key("100w"))?.bytes.readableBytes == 1000)
    }

    @Test func theLeastRecentlyUsedGoFirstAndTheSizeLimitHolds() async throws {
        let cache = try await ImageVariantCache(directory: directory, capacity: 10_000)
        for index in 0..<4 { await cache.store(variant(2000, UInt8(index)), for: key("\(index)")) }
        _ = await cache.variant(for: key("0"))  // 0 is now the most recently used
        await cache.store(variant(3000), for: key("new"))
        #expect(cache.size <= 10_000)
        #expect(await cache.variant(for: key("0")) != nil)
        #expect(await cache.variant(for: key("new")) != nil)
        #expect(await cache.variant(for: key("1")) == nil)
        // Larger than the whole cache: not kept, and nothing else evicted for it.
        let before = cache.count
        await cache.store(variant(20_000), for: key("huge"))
        #expect(await cache.variant(for: key("huge")) == nil)
        #expect(cache.count == before)
    }

    @Test func damagedVariantsAreMissesAndForgotten() async throws {
        let cache = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        await cache.store(variant(500), for: key("100w"))
        let name = key("100w").name
        let path = "\(directory)/\(name.prefix(2))/\(name)"
        try Data("not a variant".utf8).write(to: URL(fileURLWithPath: path))
        #expect(await cache.variant(for: key("100w")) == nil)
        #expect(cache.count == 0)
        #expect(!FileManager.default.fileExists(atPath: path))
        // Rendered again, it is kept again; files are private to the server's user.
        await cache.store(variant(500), for: key("100w"))
        #expect(await cache.variant(for: key("100w"))?.bytes.readableBytes == 500)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func invalidatingAKeyRemovesItsVariantsOnly() async throws {
        let cache = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        await cache.store(variant(100), for: key("100w"))
        await cache.store(variant(100), for: key("50w"))
        await cache.store(variant(100), for: key("100w", key: "other"))
        await cache.invalidate(bucket: "b", key: "k")
        #expect(await cache.variant(for: key("100w")) == nil)
        #expect(await cache.variant(for: key("50w")) == nil)
        #expect(await cache.variant(for: key("100w", key: "other")) != nil)
    }

    @Test func leftoversOfInterruptedWritesAreRemovedAtStart() async throws {
        _ = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        let leftover = "\(directory)/tmp/half-written"
        try Data("x".utf8).write(to: URL(fileURLWithPath: leftover))
        _ = try await ImageVariantCache(directory: directory, capacity: 1 << 20)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }
}
