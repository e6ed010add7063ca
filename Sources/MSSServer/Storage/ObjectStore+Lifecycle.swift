import Foundation
import S3Protocol

/// What the lifecycle worker needs of the store: the rules, the keys in bounded batches, and
/// removals that happen only if what was judged due is still there when the key's turn comes.
extension ObjectStore {
    /// Sets (or with nil removes) a bucket's lifecycle configuration, in its record.
    func setLifecycle(_ bucket: String, _ configuration: LifecycleConfiguration?) throws(S3ServerError) {
        var stored = try self.bucket(bucket)
        guard stored.lifecycle != configuration else { return }
        stored.lifecycle = configuration
        do {
            try writeBucket(stored) {
                replaceBucket(stored)
            }
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
    }

    /// The buckets that have lifecycle rules.
    func bucketsWithLifecycle() -> [StoredBucket] {
        allBuckets().filter { $0.lifecycle != nil }
    }

    /// Up to `limit` keys of `bucket` after `marker` (every key with a version, delete markers
    /// included), with all their versions: one bounded step of a scan, read from the index on
    /// ``StoreIO``, so the actor is never held for a whole bucket.
    func lifecycleBatch(bucket: String, after marker: [UInt8]?, limit: Int) async throws -> [StoredKey] {
        let index = index
        return try await StoreIO.run { Result { try index.keys(bucket: bucket, after: marker ?? [], limit: limit) } }.get()
    }

    /// The bucket's multipart uploads in progress, nil when the bucket is gone.
    func lifecycleUploads(bucket: String) -> [MultipartUploadRecord]? {
        try? uploads(bucket: bucket)
    }

    /// Aborts upload `id` if it is still the one judged due (same initiation) and no completion
    /// is reading or publishing it; true when it was aborted. The folder is renamed away and
    /// removed on ``StoreIO``, not on the actor.
    func abortExpiredUpload(_ id: String, initiated: Date) async -> Bool {
        guard let record = uploadsByID[id], record.initiated == initiated, !finishing.contains(id),
            completionsInProgress[id, default: 0] == 0
        else { return false }
        uploadsByID[id] = nil
        partsByUpload[id] = nil
        retiredPartFiles[id] = nil
        let folder = uploadDirectory(id)
        let doomed = temporaryPath()
        _ = try? await StoreIO.run {
            if (try? DurableFiles.rename(folder.path, to: doomed)) != nil {
                try? DurableFiles.fsyncDirectory(folder.deletingLastPathComponent().path)
                try? FileManager.default.removeItem(atPath: doomed)
            } else {
                try? FileManager.default.removeItem(at: folder)
            }
        }
        return true
    }
}
