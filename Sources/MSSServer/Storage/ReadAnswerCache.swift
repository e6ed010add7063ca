import HTTPTypes
import NIOCore
import Synchronization

/// The answers of plain GETs and HEADs of objects, kept in memory so that the next such request
/// is answered on its connection's event loop (``FastReadHandler``) without a task, a visit to
/// the store's actor or a read on ``StoreIO``: for a 4 KiB object those hops between threads were
/// most of the request's cost.
///
/// An entry is what the full S3 path answered: the object's headers, its ACL (each fast request
/// is authorised against it), and the bytes of a small object (a HEAD-only entry has none).
/// Entries are dropped by the store as soon as a change of their key (``invalidate(bucket:key:)``)
/// or of any bucket (``invalidateAll()``) is visible. A fill that raced with a change must not
/// bring the old answer back, so every fill carries the ``Token`` taken before its read of the
/// store, and is refused if any change happened since.
///
/// Bounded by the bytes of bodies and headers it holds: two generations of at most half the
/// capacity each, as in ``KeyCache``; an entry found in the older one moves to the newer.
final class ReadAnswerCache: Sendable {
    struct Name: Hashable, Sendable {
        var bucket: String
        var key: String
    }

    struct Entry: Sendable {
        /// Every header of the answer but `x-amz-request-id`, `Date` and `Server`, which are each
        /// answer's own.
        var headers: HTTPFields
        /// The same with the object's `x-amz-checksum-*`, for a request with
        /// `x-amz-checksum-mode: ENABLED` (as boto3 and the AWS CLI send by default); nil when
        /// the object has no checksum, so both answers are `headers`.
        var headersWithChecksums: HTTPFields? = nil
        /// The object's ACL, owner filled in: a fast request must be granted READ by it.
        var acl: StoredACL
        /// The whole object; nil when only a HEAD was answered, or the object is too large to keep.
        var body: ByteBuffer?

        /// What the entry counts against the capacity.
        var cost: Int {
            var cost = 256 + (body?.readableBytes ?? 0)
            for field in headers { cost &+= field.name.rawName.utf8.count &+ field.value.utf8.count &+ 32 }
            for field in headersWithChecksums ?? [:] { cost &+= field.name.rawName.utf8.count &+ field.value.utf8.count &+ 32 }
            return cost
        }
    }

    /// The changes seen when a read of the store began; a fill with it succeeds only if none
    /// happened since.
    struct Token: Sendable, Hashable {
        fileprivate var changes: UInt64
    }

    /// Largest object body an entry keeps.
    static let bodyLimit = 64 * 1024

    private struct Generations {
        var newer: [Name: Entry] = [:]
        var older: [Name: Entry] = [:]
        var newerCost = 0
        var changes: UInt64 = 0

        mutating func remove(_ name: Name) {
            if let entry = newer.removeValue(forKey: name) { newerCost -= entry.cost }
            older[name] = nil
        }

        mutating func insert(_ name: Name, _ entry: Entry, cost: Int, generationLimit: Int) {
            remove(name)
            newer[name] = entry
            newerCost += cost
            if newerCost >= generationLimit {
                older = newer
                newer = [:]
                newerCost = 0
            }
        }
    }

    private let state = Mutex(Generations())
    /// Bytes the entries may take; 0 keeps none.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var isEnabled: Bool { capacity > 0 }

    /// To be taken before reading the store for an answer that may fill the cache.
    func token() -> Token {
        state.withLock { Token(changes: $0.changes) }
    }

    func lookup(_ name: Name) -> Entry? {
        guard isEnabled else { return nil }
        return state.withLock { state in
            if let entry = state.newer[name] { return entry }
            guard let entry = state.older.removeValue(forKey: name) else { return nil }
            state.insert(name, entry, cost: entry.cost, generationLimit: capacity / 2)
            return entry
        }
    }

    /// Keeps `entry` for `name`, unless a change happened since `token` was taken (the answer may
    /// be older than that change) or the entry alone would take a generation's room. A HEAD-only
    /// entry never replaces one with the body.
    func fill(_ name: Name, _ entry: Entry, token: Token) {
        let cost = entry.cost
        guard isEnabled, cost <= capacity / 2 else { return }
        state.withLock { state in
            guard state.changes == token.changes else { return }
            if entry.body == nil, (state.newer[name] ?? state.older[name])?.body != nil { return }
            state.insert(name, entry, cost: cost, generationLimit: capacity / 2)
        }
    }

    /// Keeps `entry` for `name` without a token: for the store, on its actor, in the same step
    /// as it made `entry`'s object the key's current one, holding the key's turn (a small PUT's
    /// answer, kept as it is written). Nothing can have changed the key or its bucket since.
    func keepCurrent(_ name: Name, _ entry: Entry) {
        let cost = entry.cost
        guard isEnabled, cost <= capacity / 2 else { return }
        state.withLock { $0.insert(name, entry, cost: cost, generationLimit: capacity / 2) }
    }

    /// Drops `key`'s answer: called once a change of it is visible, before the change is
    /// acknowledged.
    func invalidate(bucket: String, key: String) {
        state.withLock { state in
            state.changes &+= 1
            state.remove(Name(bucket: bucket, key: key))
        }
    }

    /// Drops every answer: a bucket's record (ACL, versioning, lifecycle...) changed, or a bucket
    /// came or went. Rare enough not to sort out which entries it concerns.
    func invalidateAll() {
        state.withLock { state in
            state.changes &+= 1
            state.newer = [:]
            state.older = [:]
            state.newerCost = 0
        }
    }

    /// Entries held, for tests.
    var count: Int {
        state.withLock { $0.newer.count + $0.older.count }
    }
}
