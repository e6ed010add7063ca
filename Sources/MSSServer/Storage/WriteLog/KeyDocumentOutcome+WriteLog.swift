import Foundation
import MSSStoreFormat
import NIOCore

extension KeyDocumentOutcome {
    /// ``publish(document:at:shard:temporary:data:barrier:makingFolder:)`` through the
    /// write-ahead log: the key's new document, and a small body's bytes, are appended to `log`
    /// and durable once its shared sync returns; only then are the files written, without any
    /// flush of their own (a checkpoint flushes them). A body received into a file is moved into
    /// place and made durable through `barrier` first, and the record names it. A record too
    /// large for the log takes the barrier's way whole, and the log then records that the key's
    /// files are settled, so that no earlier record of it is replayed over them. Blocking: runs
    /// on ``StoreIO``.
    static func publish(
        document: Data?, at metadataPath: String, shard: String, temporary: String, data: IncomingData?,
        root: String, log: WriteAheadLog, barrier: DurabilityBarrier
    ) -> KeyDocumentOutcome {
        let record = logRecord(document: document, at: metadataPath, data: data, root: root)
        guard log.accepts(payloadSize: record.payloadSize) else {
            var outcome = publish(document: document, at: metadataPath, shard: shard, temporary: temporary, data: data, barrier: barrier)
            if outcome.visible {
                do {
                    log.applied(try log.append(WriteLogRecord(operations: [.settled(path: relative(metadataPath, to: root))])))
                } catch {
                    outcome.failure = outcome.failure ?? "\(error)"
                }
            }
            return outcome
        }
        let ticket: WriteAheadLog.Ticket
        do {
            if data != nil || document != nil { try DurableFiles.ensureDirectory(shard) }
            if let data, case .file(let path) = data.source {
                DurableFiles.makePrivate(path)
                try DurableFiles.rename(path, to: data.destination)
                try barrier.makeDurable(files: [data.destination], directories: [shard])
            }
            ticket = try log.append(record)
        } catch {
            if let data {
                unlink(data.temporaryFile)
                // A record that may be on disk names these bytes: a replay would install a
                // document without them, and drop the key's older version as superseded.
                if (error as? WriteAheadLog.Failure)?.recordMayBeDurable != true { unlink(data.destination) }
            }
            return KeyDocumentOutcome(visible: false, failure: "\(error)")
        }
        defer { log.applied(ticket) }
        return writeLogged(document: document, at: metadataPath, data: data, log: log)
    }

    /// The record that stands for a change of a key's files until a checkpoint: the key's new
    /// document (or its removal) and, for a body held in memory, its bytes; paths relative to
    /// `root`.
    static func logRecord(document: Data?, at metadataPath: String, data: IncomingData?, root: String) -> WriteLogRecord {
        var record = WriteLogRecord()
        if let data, case .memory(let bytes, _) = data.source {
            record.operations.append(.data(path: relative(data.destination, to: root), bytes: Array(bytes.readableBytesView)))
        }
        if let document {
            record.operations.append(.document(path: relative(metadataPath, to: root), bytes: Array(document)))
        } else {
            record.operations.append(.removed(path: relative(metadataPath, to: root)))
        }
        return record
    }

    /// Writes the files of a change whose record (``logRecord(document:at:data:root:)``) is
    /// durable in `log`: ``writeLoggedData(_:log:)``, then ``writeLoggedDocument(_:at:log:)``.
    static func writeLogged(document: Data?, at metadataPath: String, data: IncomingData?, log: WriteAheadLog) -> KeyDocumentOutcome {
        let outcome = writeLoggedData(data, log: log)
        guard outcome.visible else { return outcome }
        return writeLoggedDocument(document, at: metadataPath, log: log)
    }

    /// Writes the bytes of a change whose record is durable in `log`, when they are in memory.
    ///
    /// Written in place, with neither a staging file nor a rename: the record stands for the file
    /// until a checkpoint has flushed it, so a write cut short by a crash is written again by the
    /// next start, and nothing reads it before the index names its version (its name is new).
    static func writeLoggedData(_ data: IncomingData?, log: WriteAheadLog) -> KeyDocumentOutcome {
        guard let data, case .memory(let bytes, _) = data.source else { return KeyDocumentOutcome(visible: true) }
        do {
            try bytes.withUnsafeReadableBytes { try DurableFiles.overwriteUnflushed(data.destination, bytes: $0) }
        } catch {
            return failedAfterLogging(error, log: log)
        }
        return KeyDocumentOutcome(visible: true)
    }

    /// Writes (or with nil, removes, if there is one) the document file of a change whose record
    /// is durable in `log`,
    /// in place as ``writeLoggedData(_:log:)`` does: documents are read only at start and, in
    /// the key's turn, by reads of inline bytes, which the change holds until this is done.
    static func writeLoggedDocument(_ document: Data?, at metadataPath: String, log: WriteAheadLog) -> KeyDocumentOutcome {
        do {
            if let document {
                try document.withUnsafeBytes { try DurableFiles.overwriteUnflushed(metadataPath, bytes: $0) }
            } else {
                try DurableFiles.removeFile(metadataPath)
            }
        } catch {
            return failedAfterLogging(error, log: log)
        }
        return KeyDocumentOutcome(visible: true)
    }

    /// A file of a logged change that could not be written. The record is durable all the same,
    /// and the next start writes what failed here. Until then the store would answer from a state
    /// the log has left behind (and a bucket could be deleted under the logged key), so the log
    /// takes no more changes.
    static func failedAfterLogging(_ error: any Error, log: WriteAheadLog) -> KeyDocumentOutcome {
        log.fail("a logged change could not be written to its files: \(error)")
        return KeyDocumentOutcome(visible: false, failure: "\(error)")
    }

    /// `path`, inside `root`, as the log names it.
    private static func relative(_ path: String, to root: String) -> String {
        String(path.dropFirst(root.count + 1))
    }
}
