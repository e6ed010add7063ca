import Foundation
import MSSStoreFormat
import NIOConcurrencyHelpers
import NIOPosix

/// Carries changes of keys through the write-ahead log in batches, on one ``StoreIO`` thread at
/// a time: every change waiting when a batch starts is prepared (its versions read and its
/// document made), its record written to the log, and all of them made durable by one sync;
/// then their new data files are written, the index records them in one transaction, and each
/// key's document is written and its change answered (``Work``'s `apply` says why in that order).
///
/// Why: a change that takes a ``StoreIO`` thread of its own sleeps until the log's shared sync
/// covers it and is woken again, and commits the index alone; with 32 writers that was several
/// thread switches and a SQLite commit per PUT, a third of the server's time on this store's
/// 2-core machines. Here a batch costs one wake of one thread, one sync and one commit, and the
/// changes that arrive while it runs make the next batch. (Writing a batch's files on a second
/// thread while the next batch is logged measured no faster, on disk or tmpfs.)
///
/// Only changes whose bytes, if any, are in memory come here: a body received into a file is
/// made durable through ``DurabilityBarrier`` before its record, which would hold up the batch.
final class LoggedKeyWriter: Sendable {
    /// A change of one key, from ``ObjectStore``, which holds the key's turn until it ends.
    struct Change: Sendable {
        var bucket: String
        var key: String
        /// The key's document and its folder.
        var metadataPath: String
        var shard: String
        /// ``ObjectStore/keyHash(_:)`` of the key.
        var hash: String
        /// Whether the bucket keeps small documents in packs (``DocumentPacks``).
        var packed: Bool
        /// The new version's bytes, in memory; nil for a change of versions only.
        var data: IncomingData?
        /// Reads the versions the change starts from and makes the new ones; blocking.
        var prepare: @Sendable () throws -> PreparedKey
    }

    private struct Job: Sendable {
        var change: Change
        var continuation: CheckedContinuation<Result<WrittenKey, any Error>, Never>
    }

    private let logging: SerialBatches<Job>

    init(log: WriteAheadLog, index: KeyIndex, packs: DocumentPacks, barrier: DurabilityBarrier, root: String) {
        let work = Work(log: log, index: index, packs: packs, barrier: barrier, root: root)
        // The queue's closure holds the work, not the writer, which would then hold itself.
        logging = SerialBatches(
            on: StoreIO.pool,
            body: { jobs in work.write(jobs) },
            refuse: { jobs in
                let stopped = WriteAheadLog.Failure(description: "the store's threads have stopped")
                for job in jobs { job.continuation.resume(returning: .failure(stopped)) }
            })
    }

    /// Writes `change` and returns what it did once it is durable, in its files and in the
    /// index; what `prepare` throws comes back as the failure.
    func write(_ change: Change) async -> Result<WrittenKey, any Error> {
        await withCheckedContinuation { continuation in
            logging.add(Job(change: change, continuation: continuation))
        }
    }

    /// How many changes wait for the next batch (one may be under way besides).
    var waiting: Int { logging.waiting }

    private struct Prepared: Sendable {
        var job: Job
        var key: PreparedKey
        var record: WriteLogRecord
    }

    /// The work of a batch, and what it needs.
    private struct Work: Sendable {
        var log: WriteAheadLog
        var index: KeyIndex
        var packs: DocumentPacks
        var barrier: DurabilityBarrier
        var root: String

        func write(_ jobs: [Job]) {
            var ready: [Prepared] = []
            ready.reserveCapacity(jobs.count)
            for job in jobs {
                let change = job.change
                let prepared: PreparedKey
                do {
                    prepared = try change.prepare()
                } catch {
                    job.continuation.resume(returning: .failure(error))
                    continue
                }
                let record = KeyDocumentOutcome.logRecord(document: prepared.document, at: change.metadataPath, data: change.data, root: root)
                guard log.accepts(payloadSize: record.payloadSize) else {
                    // Rare (a document of thousands of versions): the barrier's way, alone.
                    job.continuation.resume(returning: .success(writeAlone(change, prepared)))
                    continue
                }
                do {
                    if change.data != nil || prepared.document != nil { try DurableFiles.ensureDirectory(change.shard) }
                } catch {
                    job.continuation.resume(returning: .success(WrittenKey(KeyDocumentOutcome(failure: "\(error)"), of: prepared)))
                    continue
                }
                ready.append(Prepared(job: job, key: prepared, record: record))
            }
            var rest = ready[...]
            while !rest.isEmpty {
                let tickets: [WriteAheadLog.Ticket]
                do {
                    tickets = try log.write(ArraySlice(rest.map(\.record)))
                } catch {
                    for entry in rest { Self.finish(entry, KeyDocumentOutcome(failure: "\(error)")) }
                    return
                }
                let batch = rest.prefix(tickets.count)
                rest = rest.dropFirst(tickets.count)
                do {
                    try log.sync(tickets)
                } catch {
                    // The records may be on disk, and be replayed: nothing else is to be undone,
                    // as their bytes were never written anywhere but the log.
                    for entry in batch { Self.finish(entry, KeyDocumentOutcome(failure: "\(error)")) }
                    continue
                }
                apply(batch, tickets)
            }
        }

        /// Writes the files of changes whose records are durable, records them in the index in
        /// one transaction, and answers each as soon as its own files are written: first every
        /// new data file (a name nothing reads before the index names it) and, in one append for
        /// each bucket, the entries of documents that go to packs (``DocumentPacks``), then the
        /// index, then each key's document file (or the removal of the file a pack entry
        /// replaced), its change answered right after. So a change waits for its own document,
        /// not for those of the whole batch, and its answer's work overlaps theirs.
        ///
        /// The index may name a version before its document file is written: what reads a
        /// document at run time (inline bytes) does so in the key's turn, which the change holds
        /// until it is answered. Should a file or pack fail to be written, the log stops taking
        /// changes and the next start, which replays the log and rebuilds the index, puts both
        /// back in step.
        private func apply(_ batch: ArraySlice<Prepared>, _ tickets: [WriteAheadLog.Ticket]) {
            var written = batch.map { KeyDocumentOutcome.writeLoggedData($0.job.change.data, log: log) }
            let homes = packEntries(batch, &written)
            let visible = zip(batch.indices, written).filter { $0.1.visible }.map { position, _ in
                let entry = batch[position]
                return KeyIndex.Change(
                    bucket: entry.job.change.bucket, key: entry.job.change.key, stored: entry.key.stored, document: entry.key.indexDocument,
                    pack: homes[position]?.location)
            }
            var indexFailure: String?
            if !visible.isEmpty {
                do {
                    try index.put(visible)
                } catch {
                    indexFailure = WrittenKey.indexFailure(error)
                }
            }
            for ((position, ticket), data) in zip(zip(batch.indices, tickets), written) {
                let entry = batch[position]
                var outcome = data
                if outcome.visible {
                    let change = entry.job.change
                    outcome =
                        if homes[position] != nil {
                            // The pack entry is the document now; a file of the key's would win over it.
                            entry.key.previous == nil
                                ? outcome : KeyDocumentOutcome.writeLoggedDocument(nil, at: change.metadataPath, log: log)
                        } else {
                            KeyDocumentOutcome.writeLoggedDocument(entry.key.document, at: change.metadataPath, log: log)
                        }
                    if let indexFailure { outcome.failure = outcome.failure ?? indexFailure }
                }
                log.applied(ticket)
                Self.finish(entry, outcome)
            }
        }

        /// Where a change's document went in its bucket's packs: `location` for a document, nil
        /// for a removal entry (the key's file, if any, is removed as before).
        private struct PackHome {
            var location: DocumentPackLocation?
        }

        /// Appends the pack entries of `batch`'s visible changes in packed buckets, one write a
        /// bucket: a document that fits a pack, or a removal of a key that had versions (its
        /// document may be in a pack, and a rebuild must not find it there). A failed append
        /// fails its changes and stops the log, as a failed file does.
        private func packEntries(_ batch: ArraySlice<Prepared>, _ written: inout [KeyDocumentOutcome]) -> [Int: PackHome] {
            var byBucket: [String: [(position: Int, entry: DocumentPackEntry)]] = [:]
            for (position, outcome) in zip(batch.indices, written) where outcome.visible {
                let prepared = batch[position]
                let change = prepared.job.change
                guard change.packed else { continue }
                if prepared.key.fitsPack, let document = prepared.key.document {
                    byBucket[change.bucket, default: []].append((position, .document(hash: change.hash, Array(document))))
                } else if prepared.key.document == nil && prepared.key.previous != nil {
                    byBucket[change.bucket, default: []].append((position, .removed(hash: change.hash)))
                }
            }
            var homes: [Int: PackHome] = [:]
            for (bucket, entries) in byBucket {
                do {
                    let locations = try packs.append(entries.map(\.entry), bucket: bucket)
                    for ((position, entry), location) in zip(entries, locations) {
                        homes[position] = PackHome(location: entry.kind == .document ? location : nil)
                    }
                } catch {
                    for (position, _) in entries {
                        written[position - batch.startIndex] = KeyDocumentOutcome.failedAfterLogging(error, log: log)
                    }
                }
            }
            return homes
        }

        static func finish(_ entry: Prepared, _ outcome: KeyDocumentOutcome) {
            entry.job.continuation.resume(returning: .success(WrittenKey(outcome, of: entry.key)))
        }

        /// A change whose record is too large for the log, alone: ``KeyDocumentOutcome`` writes it
        /// through the barrier and logs that its files are settled.
        private func writeAlone(_ change: Change, _ prepared: PreparedKey) -> WrittenKey {
            let outcome = KeyDocumentOutcome.publish(
                document: prepared.document, at: change.metadataPath, shard: change.shard, temporary: ObjectStore.temporaryPath(root: root),
                data: change.data,
                root: root, log: log, barrier: barrier)
            return WrittenKey.indexed(outcome, prepared, bucket: change.bucket, key: change.key, index: index)
        }
    }
}
