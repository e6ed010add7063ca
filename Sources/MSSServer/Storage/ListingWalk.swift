/// A position in keys sorted in S3's order (UTF-8 bytes), that can jump to any key: what a
/// listing walks. ``IndexCursor`` reads the store's index; a test can walk a plain array.
protocol KeyCursor<Row> {
    associatedtype Row
    /// The key and row the cursor is at; nil past the last key.
    var current: (key: [UInt8], row: Row)? { get }
    /// Moves to the first key at or after `bound` (strictly after it when `inclusive` is false).
    mutating func seek(_ bound: [UInt8], inclusive: Bool) throws
    /// Moves to the next key.
    mutating func advance() throws
}

/// One step of a listing: a key with its row, or a common prefix standing for every key under it.
enum ListingStep<Row> {
    case key([UInt8], Row)
    case commonPrefix([UInt8])
}

/// The keys a listing page shows, in S3's order: those under `prefix`, with every key that
/// holds `delimiter` after the prefix rolled up into one common prefix, starting after `marker`
/// (at it, with `includingMarker`, for a version listing that resumes inside the marker key's
/// history). A common prefix at or before the marker was returned by an earlier page. Every key
/// under a common prefix is skipped at once, by one seek past the prefix.
struct ListingWalk<Cursor: KeyCursor> {
    private var cursor: Cursor
    private let prefix: [UInt8]
    private let delimiter: [UInt8]?
    private let marker: [UInt8]

    init(_ cursor: Cursor, prefix: [UInt8], delimiter: [UInt8]?, marker: [UInt8], includingMarker: Bool = false) throws {
        self.cursor = cursor
        self.prefix = prefix
        self.delimiter = delimiter.flatMap { $0.isEmpty ? nil : $0 }
        self.marker = marker
        if marker.isEmpty || marker.lexicographicallyPrecedes(prefix) {
            try self.cursor.seek(prefix, inclusive: true)
        } else {
            try self.cursor.seek(marker, inclusive: includingMarker)
        }
    }

    mutating func next() throws -> ListingStep<Cursor.Row>? {
        while let (key, row) = cursor.current {
            guard key.starts(with: prefix) else { return nil }
            guard let delimiter, let range = key[prefix.count...].firstRange(of: delimiter) else {
                try cursor.advance()
                return .key(key, row)
            }
            let rolledUp = Array(key[..<range.upperBound])
            try cursor.seek(KeyOrder.successor(of: rolledUp), inclusive: true)
            if marker.isEmpty || marker.lexicographicallyPrecedes(rolledUp) { return .commonPrefix(rolledUp) }
        }
        return nil
    }
}

/// S3's order of keys: their UTF-8 bytes, compared bytewise.
enum KeyOrder {
    /// The smallest byte string greater than every string starting with `prefix`.
    static func successor(of prefix: [UInt8]) -> [UInt8] {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        // Only a prefix of 0xFF bytes, which no UTF-8 key holds: past every key.
        return [0xFF, 0xFF, 0xFF, 0xFF]
    }
}
