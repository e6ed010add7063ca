import Foundation
import MSS

/// Decides what a sync does, for `sync` and for `diff`, which shows that same plan: lists both
/// sides, then asks the content question (same MD5?) only about same-size items whose source is
/// newer, hashing just those local files.
struct SyncPlanner: Sendable {
    var delete: Bool
    var sizeOnly: Bool
    var exactTimestamps: Bool

    func plan(_ source: SyncSide, _ destination: SyncSide) async throws -> SyncPlan {
        // aws's --exact-timestamps is about downloads: uploaded and copied objects carry the time
        // they were written, never the source's, so equal times cannot be asked of them.
        let exact = exactTimestamps && destination.isLocal
        var same = Set<String>()
        if !sizeOnly && !exact {
            for (mine, theirs) in SyncPlan.contentCandidates(source: source.items, destination: destination.items) {
                if try await sameContent(mine, in: source, theirs, in: destination) { same.insert(mine.relative) }
            }
        }
        return SyncPlan(
            source: source.items, destination: destination.items, deleting: delete, sizeOnly: sizeOnly, exactTimestamps: exact
        ) { mine, _ in same.contains(mine.relative) }
    }

    /// Whether two same-size items hold the same bytes, as far as an ETag that is an MD5 can tell.
    private func sameContent(_ mine: SyncPlan.Item, in source: SyncSide, _ theirs: SyncPlan.Item, in destination: SyncSide) async throws -> Bool {
        switch (mine.etag, theirs.etag) {
        case (let a?, let b?):
            return a.lowercased() == b.lowercased()
        case (nil, let etag?):
            guard Key.isPlainMD5(etag), let path = source.paths[mine.relative] else { return false }
            return (try? await SyncCommand.md5Hex(ofFile: path)) == etag.lowercased()
        case (let etag?, nil):
            guard Key.isPlainMD5(etag), let path = destination.paths[theirs.relative] else { return false }
            return (try? await SyncCommand.md5Hex(ofFile: path)) == etag.lowercased()
        case (nil, nil):
            return false
        }
    }
}
