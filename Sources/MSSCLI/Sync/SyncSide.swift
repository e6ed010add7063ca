import Foundation
import MSS
import S3Protocol

/// One side of a sync or diff, listed: a local directory or a remote prefix, with the items below
/// it that the `--include`/`--exclude` selection takes.
struct SyncSide: Sendable {
    enum Place: Sendable {
        case local(directory: String)
        case remote(bucket: Bucket, prefix: String)
    }

    let place: Place
    var items: [SyncPlan.Item]
    /// Local files by relative path (local sides only).
    var paths: [String: String] = [:]
    /// What the walk of a local side passed over and the selection takes (links, pipes), and
    /// folders it could not read.
    var skipped: [LocalFileTree.Skipped] = []

    /// Lists `place`. A local source must be a directory; a local destination may not exist yet.
    static func list(_ place: Place, selection: Selection, isSource: Bool) async throws -> SyncSide {
        switch place {
        case .local(let directory):
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
            if isSource && !(exists && isDirectory.boolValue) { throw CLIError("\(directory) is not a directory") }
            if exists && !isDirectory.boolValue { throw CLIError("\(directory) is not a directory") }
            let (tree, skipped) = exists ? selection.pick(try LocalFileTree(walking: directory)) : ([], [])
            return SyncSide(
                place: place, items: tree.map { SyncPlan.Item(relative: $0.relativePath, size: $0.size, modified: $0.modified) },
                paths: Dictionary(tree.map { ($0.relativePath, $0.path) }, uniquingKeysWith: { first, _ in first }),
                skipped: skipped)
        case .remote(let bucket, let prefix):
            let objects: [ObjectSummary]
            do {
                objects = try await bucket.allKeys(prefix: prefix.isEmpty ? nil : prefix)
            } catch let error as S3Error where error.code == .noSuchBucket {
                // Not every server names the bucket in its answer (Ceph RGW does not); this side knows it.
                throw CLIError("bucket '\(bucket.name)' does not exist")
            }
            let items = objects.compactMap { object -> SyncPlan.Item? in
                let relative = String(object.key.dropFirst(prefix.count))
                guard !relative.isEmpty, !relative.hasSuffix("/"), selection.includes(relative) else { return nil }
                return SyncPlan.Item(relative: relative, size: object.size, modified: object.lastModified, etag: object.etag)
            }
            return SyncSide(place: place, items: items)
        }
    }

    var isLocal: Bool { if case .local = place { true } else { false } }

    /// Where `relative` is on this side, as people read it.
    func describe(_ relative: String) -> String {
        switch place {
        case .local(let directory): URL(fileURLWithPath: directory).standardizedFileURL.appendingPathComponent(relative).path
        case .remote(let bucket, let prefix): "mss://\(bucket.name)/\(prefix)\(relative)"
        }
    }

    /// The root, as people read it.
    var root: String {
        switch place {
        case .local(let directory): directory
        case .remote(let bucket, let prefix): "mss://\(bucket.name)/\(prefix)"
        }
    }
}
