/// The most recently used keys' versions, decoded, so that a GET or HEAD of a busy key is
/// answered from memory rather than from the index. Bounded: two generations of at most half
/// the capacity each; a key found in the older one moves to the newer, and when the newer is
/// full the older is dropped whole. That is least-recently-used eviction in batches, without a
/// list to maintain on every hit.
struct KeyCache {
    /// What the index said of a key, a key without versions included (a GET of a missing key
    /// then costs no index read either).
    struct Entry {
        var stored: StoredKey?
    }

    let capacity: Int
    private var newer: [KeyLocks.Name: Entry] = [:]
    private var older: [KeyLocks.Name: Entry] = [:]

    init(capacity: Int) {
        self.capacity = Swift.max(2, capacity)
    }

    mutating func lookup(_ name: KeyLocks.Name) -> Entry? {
        if let entry = newer[name] { return entry }
        guard let entry = older.removeValue(forKey: name) else { return nil }
        insert(name, entry)
        return entry
    }

    mutating func insert(_ name: KeyLocks.Name, _ entry: Entry) {
        older[name] = nil
        newer[name] = entry
        if newer.count >= capacity / 2 {
            older = newer
            newer = [:]
        }
    }

    /// Forgets every key of `bucket`.
    mutating func removeBucket(_ bucket: String) {
        newer = newer.filter { $0.key.bucket != bucket }
        older = older.filter { $0.key.bucket != bucket }
    }
}
