import Foundation
import Logging
import S3Protocol
import Synchronization

/// Applies every bucket's lifecycle rules once per ``run(now:)``, through the store's ordinary
/// deletes and aborts. The store's actor is only asked for bounded batches of keys; the rules
/// are judged here, off the actor, and each removal re-checks under the key's turn that the
/// version judged due is still the one there.
struct LifecycleWorker: Sendable {
    let store: ObjectStore
    let schedule: LifecycleSchedule
    let clock: @Sendable () -> Date
    let logger: Logger
    /// Keys fetched from the actor per step.
    var batchSize = 256

    init(store: ObjectStore, settings: LifecycleSettings, logger: Logger) {
        self.store = store
        schedule = LifecycleSchedule(dayLength: settings.dayLength)
        clock = settings.clock
        self.logger = logger
    }

    /// What one scan did.
    struct Report: Sendable, Hashable {
        var expired = 0
        var noncurrentExpired = 0
        var deleteMarkersRemoved = 0
        var uploadsAborted = 0
        var failures = 0

        var total: Int { expired + noncurrentExpired + deleteMarkersRemoved + uploadsAborted }
    }

    /// Scans every bucket with rules once. Stops early, between steps, when the task is
    /// cancelled (server shutdown).
    @discardableResult
    func run() async -> Report {
        var report = Report()
        for bucket in await store.bucketsWithLifecycle() {
            guard let configuration = bucket.lifecycle else { continue }
            let plan = LifecyclePlan(configuration, schedule: schedule)
            guard !plan.isEmpty else { continue }
            if plan.actsOnObjects {
                var marker: [UInt8]?
                while !Task.isCancelled {
                    let batch: [StoredKey]
                    do {
                        batch = try await store.lifecycleBatch(bucket: bucket.name, after: marker, limit: batchSize)
                    } catch {
                        logger.error("lifecycle scan cannot read the index", metadata: ["bucket": "\(bucket.name)", "error": "\(error)"])
                        report.failures += 1
                        break
                    }
                    guard let last = batch.last else { break }
                    marker = Array(last.key.utf8)
                    let now = clock()
                    for stored in batch {
                        for action in plan.actions(for: stored, now: now) {
                            await apply(action, bucket: bucket.name, report: &report)
                        }
                    }
                }
            }
            guard !Task.isCancelled else { break }
            let now = clock()
            for upload in await store.lifecycleUploads(bucket: bucket.name) ?? [] {
                if let action = plan.action(for: upload, now: now) {
                    await apply(action, bucket: bucket.name, report: &report)
                }
            }
        }
        if report.total > 0 || report.failures > 0 {
            logger.info(
                "lifecycle scan done",
                metadata: [
                    "expired": "\(report.expired)", "noncurrentExpired": "\(report.noncurrentExpired)",
                    "deleteMarkersRemoved": "\(report.deleteMarkersRemoved)", "uploadsAborted": "\(report.uploadsAborted)",
                    "failures": "\(report.failures)",
                ])
        }
        return report
    }

    private func apply(_ action: LifecycleAction, bucket: String, report: inout Report) async {
        do {
            switch action {
            case .expireCurrent(let key, let version, let rule):
                let still = Verdict()
                let outcome = try await store.deleteObject(bucket: bucket, key: key) { stored in
                    still.record(stored?.newest.version == version && stored?.newest.isDeleteMarker == false)
                }
                guard still.held else { return }
                report.expired += 1
                log(
                    "lifecycle expired an object", bucket: bucket, key: key, rule: rule,
                    extra: outcome.deleteMarker ? ["deleteMarker": "\(outcome.versionID ?? "null")"] : [:])
            case .expireNoncurrent(let key, let versionID, let version, let rule):
                let outcome = try await store.deleteObject(bucket: bucket, key: key, versionID: versionID ?? "null") { stored in
                    guard let stored else { return false }
                    return stored.newest.version != version && stored.versions.contains { $0.version == version }
                }
                guard outcome.versionID != nil else { return }
                report.noncurrentExpired += 1
                log("lifecycle expired a noncurrent version", bucket: bucket, key: key, rule: rule, extra: ["versionId": "\(versionID ?? "null")"])
            case .removeDeleteMarker(let key, let versionID, let version, let rule):
                let outcome = try await store.deleteObject(bucket: bucket, key: key, versionID: versionID ?? "null") { stored in
                    stored?.versions.count == 1 && stored?.newest.version == version
                }
                guard outcome.versionID != nil else { return }
                report.deleteMarkersRemoved += 1
                log("lifecycle removed an expired delete marker", bucket: bucket, key: key, rule: rule, extra: ["versionId": "\(versionID ?? "null")"])
            case .abortUpload(let id, let key, let initiated, let rule):
                guard await store.abortExpiredUpload(id, initiated: initiated) else { return }
                report.uploadsAborted += 1
                log("lifecycle aborted an incomplete multipart upload", bucket: bucket, key: key, rule: rule, extra: ["uploadId": "\(id)"])
            }
        } catch where error.code == .noSuchBucket {
            // The bucket was deleted during the scan: nothing left to do there.
            return
        } catch {
            report.failures += 1
            logger.error("lifecycle action failed", metadata: ["bucket": "\(bucket)", "action": "\(action)", "error": "\(error)"])
        }
    }

    private func log(_ message: Logger.Message, bucket: String, key: String, rule: String, extra: Logger.Metadata) {
        var metadata: Logger.Metadata = ["bucket": "\(bucket)", "key": "\(key)", "rule": "\(rule)"]
        metadata.merge(extra) { $1 }
        logger.info(message, metadata: metadata)
    }
}

/// Whether a removal's re-check held, seen from outside the store's closure.
private final class Verdict: Sendable {
    private let value = Mutex(false)

    func record(_ held: Bool) -> Bool {
        value.withLock { $0 = held }
        return held
    }

    var held: Bool { value.withLock { $0 } }
}
