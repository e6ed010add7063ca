/// The keys of one bucket in S3's order (UTF-8 bytes), for listings that start anywhere without
/// scanning.
///
/// A sorted sequence of chunks of at most ``chunkLimit`` keys, found by bisection over the
/// chunks' last keys and then inside one chunk. A flat sorted array moved half of its elements
/// on every insert: at a million keys that is megabytes per new key on the store's actor, and a
/// start that inserted the keys one by one took minutes. Here an insert moves at most one
/// chunk's elements and the array of chunks, and a start sorts once (``init(unsorted:)``).
struct SortedKeys: Sendable {
    /// Where a key sits: its chunk and its place in that chunk. ``endIndex`` is past the last key.
    struct Position: Comparable, Sendable {
        fileprivate var chunk: Int
        fileprivate var offset: Int

        static func < (a: Position, b: Position) -> Bool {
            (a.chunk, a.offset) < (b.chunk, b.offset)
        }
    }

    /// The most keys a chunk holds; a fuller one is split in two.
    static let chunkLimit = 512

    /// Never an empty chunk, so every position before ``endIndex`` names a key.
    private var chunks: [[[UInt8]]] = []
    private(set) var count = 0

    init() {}

    /// The keys of `unsorted`, sorted once and without repeats.
    init(unsorted: [[UInt8]]) {
        var sorted: [[UInt8]] = []
        sorted.reserveCapacity(unsorted.count)
        for key in unsorted.sorted(by: { $0.lexicographicallyPrecedes($1) }) where sorted.last != key {
            sorted.append(key)
        }
        count = sorted.count
        chunks = stride(from: 0, to: sorted.count, by: Self.chunkLimit / 2).map {
            Array(sorted[$0..<Swift.min(sorted.count, $0 + Self.chunkLimit / 2)])
        }
    }

    var startIndex: Position { Position(chunk: 0, offset: 0) }
    var endIndex: Position { Position(chunk: chunks.count, offset: 0) }

    func index(after position: Position) -> Position {
        position.offset + 1 < chunks[position.chunk].count
            ? Position(chunk: position.chunk, offset: position.offset + 1) : Position(chunk: position.chunk + 1, offset: 0)
    }

    subscript(position: Position) -> [UInt8] { chunks[position.chunk][position.offset] }

    /// The position of the first key not below `key`.
    func lowerBound(_ key: [UInt8]) -> Position {
        let chunk = firstChunk(notBelow: key)
        guard chunk < chunks.count else { return endIndex }
        return Position(chunk: chunk, offset: Self.lowerBound(key, in: chunks[chunk]))
    }

    /// The position of the first key strictly after `key`.
    func upperBound(_ key: [UInt8]) -> Position {
        let position = lowerBound(key)
        return position < endIndex && self[position] == key ? index(after: position) : position
    }

    mutating func insert(_ key: [UInt8]) {
        guard !chunks.isEmpty else {
            chunks = [[key]]
            count = 1
            return
        }
        // Past every key: the last chunk takes it.
        let chunk = Swift.min(firstChunk(notBelow: key), chunks.count - 1)
        let offset = Self.lowerBound(key, in: chunks[chunk])
        if offset < chunks[chunk].count && chunks[chunk][offset] == key { return }
        chunks[chunk].insert(key, at: offset)
        count += 1
        if chunks[chunk].count > Self.chunkLimit {
            let upper = Array(chunks[chunk][(Self.chunkLimit / 2)...])
            chunks[chunk].removeSubrange((Self.chunkLimit / 2)...)
            chunks.insert(upper, at: chunk + 1)
        }
    }

    mutating func remove(_ key: [UInt8]) {
        let position = lowerBound(key)
        guard position < endIndex, self[position] == key else { return }
        chunks[position.chunk].remove(at: position.offset)
        count -= 1
        if chunks[position.chunk].isEmpty { chunks.remove(at: position.chunk) }
    }

    /// The first chunk whose last key is not below `key`; `chunks.count` when there is none.
    private func firstChunk(notBelow key: [UInt8]) -> Int {
        var low = 0
        var high = chunks.count
        while low < high {
            let middle = (low + high) / 2
            if let last = chunks[middle].last, last.lexicographicallyPrecedes(key) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }

    private static func lowerBound(_ key: [UInt8], in chunk: [[UInt8]]) -> Int {
        var low = 0
        var high = chunk.count
        while low < high {
            let middle = (low + high) / 2
            if chunk[middle].lexicographicallyPrecedes(key) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
