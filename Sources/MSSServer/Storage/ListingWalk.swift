/// One step of a listing: a key, or a common prefix standing for every key under it.
enum ListingStep: Sendable, Hashable {
    case key([UInt8])
    case commonPrefix([UInt8])
}

/// The keys of a ``SortedKeys`` a listing page shows, in S3's order: those under `prefix`,
/// with every key that holds `delimiter` after the prefix rolled up into one common prefix,
/// starting after `marker` (at it, with `includingMarker`, for a version listing that resumes
/// inside the marker key's history). A common prefix at or before the marker was returned by
/// an earlier page. Every key under a common prefix is skipped at once, by bisection.
struct ListingWalk: Sequence, IteratorProtocol {
    private let keys: SortedKeys
    private let prefix: [UInt8]
    private let delimiter: [UInt8]?
    private let marker: [UInt8]
    private var index: SortedKeys.Position

    init(_ keys: SortedKeys, prefix: [UInt8], delimiter: [UInt8]?, marker: [UInt8], includingMarker: Bool = false) {
        self.keys = keys
        self.prefix = prefix
        self.delimiter = delimiter.flatMap { $0.isEmpty ? nil : $0 }
        self.marker = marker
        index = keys.lowerBound(prefix)
        if !marker.isEmpty {
            index = Swift.max(index, includingMarker ? keys.lowerBound(marker) : keys.upperBound(marker))
        }
    }

    mutating func next() -> ListingStep? {
        while index < keys.endIndex {
            let key = keys[index]
            guard key.starts(with: prefix) else { return nil }
            guard let delimiter, let range = key[prefix.count...].firstRange(of: delimiter) else {
                index = keys.index(after: index)
                return .key(key)
            }
            let rolledUp = Array(key[..<range.upperBound])
            index = keys.lowerBound(Self.successor(of: rolledUp))
            if marker.isEmpty || marker.lexicographicallyPrecedes(rolledUp) { return .commonPrefix(rolledUp) }
        }
        return nil
    }

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
        return [0xFF, 0xFF, 0xFF, 0xFF]
    }
}
