import Foundation
import HTTPTypes
import NIOCore
import Synchronization
import Testing

@testable import MSSServer

/// The cache of plain reads' answers: a fill that raced with any change is refused, every change
/// of a key or bucket drops what it concerns as soon as the store makes it visible, and the
/// entries stay within the capacity.
@Suite struct ReadAnswerCacheTests {
    static func entry(_ body: String?, acl: StoredACL = .private) -> ReadAnswerCache.Entry {
        var headers = HTTPFields()
        headers[.eTag] = "\"e\""
        return ReadAnswerCache.Entry(headers: headers, acl: acl, body: body.map { ByteBuffer(string: $0) })
    }

    static let name = ReadAnswerCache.Name(bucket: "bucket", key: "k")

    @Test func aFillAfterAnyChangeIsRefused() {
        let cache = ReadAnswerCache(capacity: 1 << 20)
        let token = cache.token()
        cache.invalidate(bucket: "bucket", key: "another key")
        cache.fill(Self.name, Self.entry("old"), token: token)
        #expect(cache.lookup(Self.name) == nil)
        let stale = cache.token()
        cache.invalidateAll()
        cache.fill(Self.name, Self.entry("old"), token: stale)
        #expect(cache.lookup(Self.name) == nil)
        cache.fill(Self.name, Self.entry("fresh"), token: cache.token())
        #expect(cache.lookup(Self.name)?.body == ByteBuffer(string: "fresh"))
    }

    @Test func changesDropTheirEntries() {
        let cache = ReadAnswerCache(capacity: 1 << 20)
        let other = ReadAnswerCache.Name(bucket: "bucket", key: "other")
        cache.fill(Self.name, Self.entry("a"), token: cache.token())
        cache.fill(other, Self.entry("b"), token: cache.token())
        cache.invalidate(bucket: "bucket", key: "k")
        #expect(cache.lookup(Self.name) == nil)
        #expect(cache.lookup(other) != nil)
        cache.invalidateAll()
        #expect(cache.count == 0)
    }

    @Test func aHeadOnlyAnswerNeverReplacesOneWithTheBody() {
        let cache = ReadAnswerCache(capacity: 1 << 20)
        cache.fill(Self.name, Self.entry("body"), token: cache.token())
        cache.fill(Self.name, Self.entry(nil), token: cache.token())
        #expect(cache.lookup(Self.name)?.body == ByteBuffer(string: "body"))
        cache.invalidate(bucket: "bucket", key: "k")
        cache.fill(Self.name, Self.entry(nil), token: cache.token())
        cache.fill(Self.name, Self.entry("new body"), token: cache.token())
        #expect(cache.lookup(Self.name)?.body == ByteBuffer(string: "new body"))
    }

    @Test func entriesStayWithinTheCapacity() {
        let capacity = 64 * 1024
        let cache = ReadAnswerCache(capacity: capacity)
        let body = String(repeating: "x", count: 4000)
        for index in 0..<200 {
            cache.fill(.init(bucket: "bucket", key: "key \(index)"), Self.entry(body), token: cache.token())
        }
        // Each entry costs a little more than its body; two generations of half the capacity.
        #expect(cache.count > 0)
        #expect(cache.count * 4000 <= capacity)
        // The newest are kept, the oldest are gone.
        #expect(cache.lookup(.init(bucket: "bucket", key: "key 199")) != nil)
        #expect(cache.lookup(.init(bucket: "bucket", key: "key 0")) == nil)
        // An entry that alone would take half the room is not kept; a cache of 0 keeps nothing.
        cache.fill(Self.name, Self.entry(String(repeating: "y", count: capacity / 2)), token: cache.token())
        #expect(cache.lookup(Self.name) == nil)
        let off = ReadAnswerCache(capacity: 0)
        off.fill(Self.name, Self.entry("a"), token: off.token())
        #expect(!off.isEnabled && off.lookup(Self.name) == nil)
    }

    /// Every way the store changes a key or a bucket drops the answers it concerns.
    @Test func theStoreDropsAnswersAsItChanges() async throws {
        let store = try await ObjectStore(path: try StoreFixture.directory())
        try await store.createBucket("bucket", acl: .private)
        try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "one")
        let answers = store.answers
        let fill = { answers.fill(Self.name, Self.entry("cached"), token: answers.token()) }

        fill()
        let tokenBeforeTheWrite = answers.token()
        try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "two")
        #expect(answers.lookup(Self.name) == nil)
        answers.fill(Self.name, Self.entry("one"), token: tokenBeforeTheWrite)
        #expect(answers.lookup(Self.name) == nil, "an answer read before the write came back after it")

        fill()
        var object = try #require(try await store.object(bucket: "bucket", key: "k"))
        object.acl = .publicRead
        try await store.updateMetadata(bucket: "bucket", object: object)
        #expect(answers.lookup(Self.name) == nil)

        fill()
        try await store.setBucketACL("bucket", acl: .publicRead)
        #expect(answers.lookup(Self.name) == nil)

        fill()
        try await store.setVersioning("bucket", .enabled)
        #expect(answers.lookup(Self.name) == nil)

        fill()
        try await store.deleteObject(bucket: "bucket", key: "k")
        #expect(answers.lookup(Self.name) == nil)

        // Another key's write drops only that key's answer.
        fill()
        try await StoreFixture.put(store, bucket: "bucket", key: "other", body: "x")
        #expect(answers.lookup(Self.name) != nil)
    }
}

/// A small PUT's answer is kept as the write makes it current, and the next change drops it.
@Suite struct WrittenAnswersTests {
    @Test func aCommitKeepsTheAnswerItWasGivenUntilTheNextChange() async throws {
        let store = try await ObjectStore(path: try StoreFixture.directory())
        try await store.createBucket("bucket", acl: .private)
        let name = ReadAnswerCache.Name(bucket: "bucket", key: "k")
        let path = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: path, contents: Data("new".utf8)))
        let seen = Mutex<(StoredObject, StoredBucket)?>(nil)
        let stored = try await store.commit(
            bucket: "bucket", object: StoreFixture.object("k", size: 3), temporaryPath: path,
            answer: { object, bucket in
                seen.withLock { $0 = (object, bucket) }
                return ReadAnswerCacheTests.entry("new")
            })
        // The answer is built from what was stored, in the bucket as it was at that moment.
        let (object, bucket) = try #require(seen.withLock { $0 })
        #expect(object.version == stored.version && bucket.name == "bucket")
        #expect(store.answers.lookup(name)?.body == ByteBuffer(string: "new"))
        try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "newer")
        #expect(store.answers.lookup(name) == nil)
    }
}
