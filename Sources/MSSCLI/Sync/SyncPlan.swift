import Foundation

/// What `sync` does, decided from the two sides' listings alone: copy what is missing or differs,
/// and with `--delete` remove what the source no longer has.
///
/// An item differs when its size differs, or when the source copy is newer than the destination
/// copy (by more than a second, the precision some stores keep). A newer source of the same size
/// whose content MD5 still equals the destination's ETag is not copied again: that check needs the
/// local bytes, so it is left to the caller through `sameContent`.
///
/// `sizeOnly` compares sizes alone. `exactTimestamps` (aws's flag, for downloads) copies an item
/// of the same size unless both times are the same to the second.
struct SyncPlan: Equatable {
    struct Item: Equatable, Sendable {
        var relative: String
        var size: Int64
        var modified: Date?
        /// The remote ETag, when this side is remote.
        var etag: String?
    }

    enum Reason: String, Sendable {
        case missing = "new"
        case size = "size differs"
        case newer = "newer"
        case time = "time differs"
    }

    var copy: [(item: Item, reason: Reason)] = []
    var delete: [Item] = []

    static func == (a: SyncPlan, b: SyncPlan) -> Bool {
        a.copy.map { "\($0.item.relative)|\($0.reason)" } == b.copy.map { "\($0.item.relative)|\($0.reason)" } && a.delete == b.delete
    }

    init(copy: [(item: Item, reason: Reason)] = [], delete: [Item] = []) {
        self.copy = copy
        self.delete = delete
    }

    init(
        source: [Item], destination: [Item], deleting: Bool, sizeOnly: Bool = false, exactTimestamps: Bool = false,
        sameContent: (Item, Item) -> Bool = { _, _ in false }
    ) {
        let existing = Dictionary(destination.map { ($0.relative, $0) }, uniquingKeysWith: { first, _ in first })
        for item in source {
            guard let other = existing[item.relative] else {
                copy.append((item, .missing))
                continue
            }
            if item.size != other.size {
                copy.append((item, .size))
            } else if sizeOnly {
                continue
            } else if exactTimestamps {
                if Self.wholeSeconds(item.modified) != Self.wholeSeconds(other.modified) { copy.append((item, .time)) }
            } else if let mine = item.modified, let theirs = other.modified, mine.timeIntervalSince(theirs) > 1, !sameContent(item, other) {
                copy.append((item, .newer))
            }
        }
        if deleting {
            let kept = Set(source.map(\.relative))
            delete = destination.filter { !kept.contains($0.relative) }
        }
    }

    /// Times as S3 keeps them (whole seconds), so a file given an object's time compares equal.
    static func wholeSeconds(_ date: Date?) -> Int64? {
        guard let seconds = date?.timeIntervalSince1970, seconds.isFinite, abs(seconds) < 1e15 else { return nil }
        return Int64(seconds.rounded(.down))
    }

    /// Pairs of the same size whose source is newer: the only ones `sameContent` is asked about,
    /// so callers hash just those.
    static func contentCandidates(source: [Item], destination: [Item]) -> [(source: Item, destination: Item)] {
        let existing = Dictionary(destination.map { ($0.relative, $0) }, uniquingKeysWith: { first, _ in first })
        return source.compactMap { item in
            guard let other = existing[item.relative], other.size == item.size, let mine = item.modified, let theirs = other.modified,
                mine.timeIntervalSince(theirs) > 1
            else { return nil }
            return (item, other)
        }
    }
}
