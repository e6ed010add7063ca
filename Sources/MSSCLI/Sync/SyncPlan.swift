import Foundation

/// What `sync` does, decided from the two sides' listings alone: copy what is missing or differs,
/// and with `--delete` remove what the source no longer has.
///
/// An item differs when its size differs, or when the source copy is newer than the destination
/// copy (by more than a second, the precision some stores keep). A newer source of the same size
/// whose content MD5 still equals the destination's ETag is not copied again: that check needs the
/// local bytes, so it is left to the caller through `sameContent`.
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

    init(source: [Item], destination: [Item], deleting: Bool, sameContent: (Item, Item) -> Bool = { _, _ in false }) {
        let existing = Dictionary(destination.map { ($0.relative, $0) }, uniquingKeysWith: { first, _ in first })
        for item in source {
            guard let other = existing[item.relative] else {
                copy.append((item, .missing))
                continue
            }
            if item.size != other.size {
                copy.append((item, .size))
            } else if let mine = item.modified, let theirs = other.modified, mine.timeIntervalSince(theirs) > 1, !sameContent(item, other) {
                copy.append((item, .newer))
            }
        }
        if deleting {
            let kept = Set(source.map(\.relative))
            delete = destination.filter { !kept.contains($0.relative) }
        }
    }
}
