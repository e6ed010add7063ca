import Foundation
import Logging
import MSSStoreFormat

/// Reclaiming the space of pack entries no key uses any more (``DocumentPacks``).
///
/// Oldest pack first, and only the oldest: a removal entry in a pack hides the key's entries in
/// older packs from a rebuild, so a pack may only go once no older one is left. Each document
/// still in use there is written again, as a change of its key like any other (in the key's
/// turn, through the write-ahead log, into the pack being appended to), so a crash in the middle
/// leaves every key with a whole, durable document; the pack is removed once the index shows
/// none of its entries in use and a walk through it agrees.
///
/// When: once the sealed packs of a bucket hold more bytes no key uses than bytes in use, and at
/// least a pack's worth. Moving the oldest pack's live bytes then reclaims at least as much, so
/// the packs stay within about twice what their keys need, and each byte is written again at
/// most about once for every byte reclaimed.
extension ObjectStore {
    /// What one compaction of a bucket's packs did.
    struct PackCompaction: Sendable, Equatable {
        /// Documents written again into the active pack.
        var relocated = 0
        /// Packs removed.
        var removed: [Int64] = []
    }

    /// Compacts the packs of `bucket` while their garbage calls for it (see the type's notes),
    /// or, with `force`, its oldest sealed pack once whatever the garbage. Stops between keys
    /// when the task is cancelled.
    @discardableResult
    func compactPacks(bucket: String, force: Bool = false) async throws -> PackCompaction {
        var done = PackCompaction()
        guard log != nil, (try? self.bucket(bucket))?.documentPacks == true else { return done }
        // Garbage only grows with changes of the bucket's keys: none since the last look, nothing to do.
        let changed = changes[bucket, default: 0]
        if !force, packsLookedAt[bucket] == changed { return done }
        defer { packsLookedAt[bucket] = changes[bucket, default: 0] }
        var forced = force
        while !Task.isCancelled, let oldest = try await packToCompact(bucket: bucket, force: forced) {
            forced = false
            var moved = 0
            while !Task.isCancelled {
                let keys = try await readingIndex { try $0.keys(bucket: bucket, inPack: oldest, limit: 256) }
                var movedNow = 0
                for key in keys where !Task.isCancelled {
                    if try await relocate(bucket: bucket, key: key, from: oldest) { movedNow += 1 }
                }
                moved += movedNow
                // None left, or none that could be moved (the removal below then keeps the pack).
                guard movedNow > 0 else { break }
            }
            done.relocated += moved
            guard !Task.isCancelled, try await removeUnusedPack(bucket: bucket, number: oldest) else { break }
            done.removed.append(oldest)
            logger.info(
                "document pack compacted", metadata: ["bucket": "\(bucket)", "pack": "\(oldest)", "documents moved": "\(moved)"])
        }
        return done
    }

    /// The bucket's oldest sealed pack when its packs call for a compaction, nil otherwise.
    private func packToCompact(bucket: String, force: Bool) async throws -> Int64? {
        let (root, packs, index) = (rootPath, packs, index)
        return try await StoreIO.run { () -> Result<Int64?, any Error> in
            Result {
                let active = packs.activeNumber(bucket: bucket)
                let sealed = DocumentPacks.numbers(root: root, bucket: bucket).filter { $0 != active }
                guard let oldest = sealed.first else { return nil }
                if force { return oldest }
                let live = try index.livePackBytes(bucket: bucket)
                var total: Int64 = 0
                var used: Int64 = 0
                for number in sealed {
                    var status = stat()
                    guard stat(DocumentPacks.path(root: root, bucket: bucket, number: number), &status) == 0 else { continue }
                    total += Int64(status.st_size)
                    used += live[number] ?? 0
                }
                let garbage = total - used
                return garbage >= max(packs.sealSize, used) ? oldest : nil
            }
        }.get()
    }

    /// Writes the document of `key` again, if it is still in pack `number`; true when it did.
    private func relocate(bucket: String, key: String, from number: Int64) async throws(S3ServerError) -> Bool {
        try await withKeyLock(bucket: bucket, key: key) { () async throws(S3ServerError) -> Bool in
            let location = try await readingIndex { try $0.packLocation(bucket: bucket, key: key) }
            guard location?.pack == number, let stored = try await storedKey(bucket: bucket, key: key) else { return false }
            do {
                // The same versions: the change writes the same document, into the active pack.
                try await writeKey(stored, key: key, bucket: bucket, prior: stored)
            } catch {
                throw .internalError("cannot move the document of a key out of pack \(number): \(error)")
            }
            return true
        }
    }

    /// Removes pack `number` of the bucket when nothing uses it: it is not the pack appends go
    /// to (a bucket deleted and made again meanwhile starts from pack 1, and its entries reach
    /// the index only after their append), the index names none of its entries, and none of its
    /// documents is its key's entry in the index (a walk through it, so a pack is never removed
    /// on the word of the index's pack column alone). False, and the pack kept, otherwise.
    private func removeUnusedPack(bucket: String, number: Int64) async throws -> Bool {
        let (root, index, packs) = (rootPath, index, packs)
        return try await StoreIO.run { () -> Result<Bool, any Error> in
            Result {
                // An append never goes to a pack that exists and is not the active one: a new
                // pack is numbered after every pack there is.
                guard packs.activeNumber(bucket: bucket) != number,
                    try index.keys(bucket: bucket, inPack: number, limit: 1).isEmpty
                else { return false }
                let path = DocumentPacks.path(root: root, bucket: bucket, number: number)
                var inUse = false
                var failure: (any Error)?
                _ = DocumentPacks.walk(path) { offset, entry in
                    guard !inUse, failure == nil, entry.kind == .document,
                        case .decoded(let stored) = StoreScan.decodeKey(entry.document, hash: entry.hash)
                    else { return }
                    do {
                        let location = try index.packLocation(bucket: bucket, key: stored.key)
                        inUse = location?.pack == number && location?.offset == offset
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
                guard !inUse else { return false }
                try DurableFiles.removeFile(path)
                return true
            }
        }.get()
    }
}
