import Foundation

/// The store's write-ahead log: a change of a key is durable once its record (the key's new
/// document and, for a small body, the body itself) is appended to the log and covered by one
/// `fdatasync` shared by every writer waiting at the same time. The files it describes are then
/// written without flushes of their own, and a checkpoint makes them durable in bulk later.
///
/// Why: on this store's disks a change made durable file by file costs two new files, two
/// renames and two shared flushes, each writing every new inode and folder entry separately;
/// appending to a file whose blocks already exist writes only those blocks. `Benchmarks/durability.sh`
/// measures both.
///
/// The log is two segments, `.mss/wal.0` and `.mss/wal.1`. Records are appended to the active
/// one; when it is full the other becomes active, and the full one is checkpointed
/// (``DurabilityBarrier``'s `syncfs`, once every change it logged has reached its files) before it
/// may be reused. Each segment starts a fresh random generation when it becomes active, and a
/// record counts only in the unbroken run of records of its segment's generation from offset 0,
/// so what a segment held before is never read as new. A clean stop checkpoints both and wipes
/// their first record; after a crash, ``WriteLogReplay`` applies the records before anything
/// else reads the store.
///
/// A segment's file grows as records are appended to it, until it is full; from then on it is
/// overwritten in place. While it grows, each sync also writes its new size (15% more time a
/// sync on this store's disk, 64 KiB appended). Growing it ahead with zeros, as this log did,
/// held every append while up to 32 MiB of zeros were written and fsynced, at each doubling: 126
/// MiB in a new store's first seconds of writes.
///
/// Every call blocks: use it on ``StoreIO``'s threads.
final class WriteAheadLog: @unchecked Sendable {
    struct Settings: Sendable {
        /// How large a segment may grow; a record larger than this is not logged.
        var segmentLimit = 64 << 20
        /// Makes a segment's appended bytes durable: `fdatasync` unless a test holds or fails it.
        /// Returns 0 or an errno.
        var sync: @Sendable (Int32) -> Int32 = { fdatasync($0) == 0 ? 0 : errno }
    }

    /// A logged change whose files are being written; hand it back through ``applied(_:)``.
    struct Ticket: Sendable {
        fileprivate let segment: Int
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The record was written and its sync failed: it may be on disk all the same, and be
        /// replayed by the next start, so nothing it names may be removed.
        var recordMayBeDurable = false
    }

    private enum SegmentState {
        case active
        /// Full; waits for the changes it logged to reach their files, then for a checkpoint.
        case closing
        /// Checkpointed: everything it logged is durable in the files.
        case free
    }

    private struct Segment {
        let descriptor: Int32
        let path: String
        /// How long its file is: as far as records have reached, in this filling or an earlier one.
        var fileSize: Int
        var generation: UInt64 = 0
        var end = 0
        /// Records appended whose files have not been written yet.
        var pending = 0
        var state: SegmentState = .free
        /// Appended to since its last sync.
        var dirty = false
        /// The sequence of the last record written to it, which stays readable until it is
        /// wiped or overwritten: of two segments, the one with the lower is the older.
        var lastSequence: UInt64 = 0
        /// How many times it filled up; a checkpoint frees only the filling it was started for.
        var fillings: UInt64 = 0
    }

    let settings: Settings
    private let barrier: DurabilityBarrier
    private let condition = NSCondition()
    private var segments: [Segment]
    private var active = 0
    private var sequence: UInt64 = 0
    /// The log's syncs, with what failed; at most one runs at a time.
    private let rounds = FlushRounds<String>()
    /// Set when a checkpoint failed: no later write can be made durable as promised.
    private var broken: String?
    /// A checkpoint of both segments is running; appends wait for it.
    private var resetting = false
    private var stopped = false

    static func segmentPath(root: String, _ index: Int) -> String {
        root + "/.mss/wal.\(index)"
    }

    /// Opens the log of the store at `root` (whose records ``WriteLogReplay`` has applied),
    /// creating its segments when missing, and empties it.
    init(root: String, barrier: DurabilityBarrier, settings: Settings = Settings()) throws {
        self.settings = settings
        self.barrier = barrier
        var segments: [Segment] = []
        do {
            for index in 0..<2 {
                let path = Self.segmentPath(root: root, index)
                let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, DurableFiles.fileMode)
                guard descriptor >= 0 else { throw DurableFiles.Failure(operation: "open", path: path, code: errno) }
                var status = stat()
                guard fstat(descriptor, &status) == 0 else {
                    let code = errno
                    close(descriptor)
                    throw DurableFiles.Failure(operation: "fstat", path: path, code: code)
                }
                segments.append(Segment(descriptor: descriptor, path: path, fileSize: Int(status.st_size)))
            }
            for index in segments.indices {
                try Self.wipe(segments[index], sync: settings.sync)
            }
            try DurableFiles.fsyncDirectory(root + "/.mss")
        } catch {
            for segment in segments { close(segment.descriptor) }
            throw error
        }
        segments[0].state = .active
        segments[0].generation = UInt64.random(in: 1...UInt64.max)
        self.segments = segments
    }

    deinit {
        for segment in segments { close(segment.descriptor) }
    }

    /// The segments, the one whose last readable record is older first: the order to wipe them
    /// in, so that a crash between the wipes leaves the newer records alone, never the older.
    var segmentsOldestFirst: [Int] {
        condition.lock()
        defer { condition.unlock() }
        return oldestFirst(segments)
    }

    private func oldestFirst(_ segments: [Segment]) -> [Int] {
        segments.indices.sorted { segments[$0].lastSequence < segments[$1].lastSequence }
    }

    /// Whether a record with `payloadSize` bytes of payload fits in a segment at all.
    func accepts(payloadSize: Int) -> Bool {
        payloadSize <= settings.segmentLimit - WriteLogRecord.headerSize
    }

    /// Appends `record` and returns once it is durable. The caller then writes its files and
    /// hands the ticket back (``applied(_:)``), whether that worked or not.
    func append(_ record: WriteLogRecord) throws -> Ticket {
        let tickets = try write([record][...])
        try sync(tickets)
        return tickets[0]
    }

    /// Writes `records`, in order, without waiting for them to be durable (``sync(_:)`` does),
    /// and returns the tickets of those written: all of them, or the first few when the log
    /// must wait before taking the next (for a checkpoint, which itself waits for the files of
    /// the records written here). Throws only when it wrote none.
    func write(_ records: ArraySlice<WriteLogRecord>) throws -> [Ticket] {
        for record in records where !accepts(payloadSize: record.payloadSize) {
            throw Failure(description: "a record of \(WriteLogRecord.headerSize + record.payloadSize) bytes does not fit the log")
        }
        condition.lock()
        defer { condition.unlock() }
        var tickets: [Ticket] = []
        tickets.reserveCapacity(records.count)
        records: for record in records {
            let size = WriteLogRecord.headerSize + record.payloadSize
            while true {
                if let broken {
                    if tickets.isEmpty { throw Failure(description: broken) }
                    break records
                }
                if stopped {
                    if tickets.isEmpty { throw Failure(description: "the log is closed") }
                    break records
                }
                if resetting {
                    // A checkpoint waits for the files of what this call wrote: they come first.
                    if !tickets.isEmpty { break records }
                    condition.wait()
                    continue
                }
                if segments[active].end + size <= settings.segmentLimit { break }
                let next = 1 - active
                guard segments[next].state == .free else {
                    if !tickets.isEmpty { break records }
                    condition.wait()
                    continue
                }
                segments[active].state = .closing
                segments[active].fillings &+= 1
                let full = active
                let filling = segments[active].fillings
                segments[next].state = .active
                segments[next].generation = UInt64.random(in: 1...UInt64.max)
                segments[next].end = 0
                active = next
                // On a thread of its own: StoreIO's threads may all be appending and waiting for
                // exactly this checkpoint.
                let thread = Thread { self.checkpointWhenApplied(full, filling: filling) }
                thread.name = "mss-wal-checkpoint"
                thread.start()
            }
            sequence &+= 1
            let bytes = record.encoded(generation: segments[active].generation, sequence: sequence)
            // Written while the lock is held, so the log never has a gap that a later record,
            // made durable first, would sit behind.
            do {
                try Self.write(bytes, to: segments[active], at: segments[active].end)
            } catch {
                // A torn record never reads as one (its checksum); but a disk that fails a write
                // may fail others unseen.
                broken = "a write to the write-ahead log failed: \(error)"
                if tickets.isEmpty { throw Failure(description: "\(error)") }
                break records
            }
            segments[active].end += bytes.count
            segments[active].fileSize = max(segments[active].fileSize, segments[active].end)
            segments[active].pending += 1
            segments[active].dirty = true
            segments[active].lastSequence = sequence
            tickets.append(Ticket(segment: active))
        }
        return tickets
    }

    /// Returns once the records of `tickets` (from ``write(_:)``) are durable, with one sync
    /// shared by every caller waiting at the same time. When it throws, the tickets are spent
    /// and the log takes no more records.
    func sync(_ tickets: [Ticket]) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure = waitForFlush() {
            for ticket in tickets { segments[ticket.segment].pending -= 1 }
            // After a failed fdatasync the kernel may drop the pages it could not write and
            // report the next sync clean: a later record could then be acknowledged behind a
            // hole that ends every replay. Nothing more is logged until a restart.
            broken = "a sync of the write-ahead log failed: \(failure)"
            condition.broadcast()
            throw Failure(description: failure, recordMayBeDurable: true)
        }
    }

    /// Refuses every later append: a change the log holds did not reach its files, so the store
    /// no longer says what the log says until a restart replays it.
    func fail(_ reason: String) {
        condition.lock()
        broken = broken ?? reason
        condition.broadcast()
        condition.unlock()
    }

    /// The change of `ticket` reached its files (or failed to; its record stays to be replayed).
    func applied(_ ticket: Ticket) {
        condition.lock()
        segments[ticket.segment].pending -= 1
        if segments[ticket.segment].pending == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Makes every logged change durable in its files and empties the log: before a bucket's
    /// folder goes, and at a clean stop (``stop()``). A log that failed is never emptied, as a
    /// change it holds may not be in its files, which may even be cut short (they are written in
    /// place): it throws instead, and the next start replays it.
    func checkpoint() throws {
        condition.lock()
        while resetting { condition.wait() }
        resetting = true
        while segments.contains(where: { $0.pending > 0 }) { condition.wait() }
        if let broken {
            resetting = false
            condition.broadcast()
            condition.unlock()
            throw Failure(description: "the write-ahead log is kept for the next start: \(broken)")
        }
        condition.unlock()
        var failure: (any Error)?
        do {
            try barrier.makeDurable(files: [], directories: [])
            // The older first: replayed alone, the older would put older states over newer files.
            for index in oldestFirst(segments) {
                try Self.wipe(segments[index], sync: settings.sync)
            }
        } catch {
            failure = error
        }
        condition.lock()
        if let failure {
            broken = "a checkpoint of the write-ahead log failed: \(failure)"
        } else {
            for index in segments.indices {
                segments[index].state = index == active ? .active : .free
                segments[index].end = 0
                segments[index].lastSequence = 0
            }
            segments[active].generation = UInt64.random(in: 1...UInt64.max)
        }
        resetting = false
        condition.broadcast()
        condition.unlock()
        if let failure { throw failure }
    }

    /// Checkpoints and stops the log; appends fail from now on.
    func stop() throws {
        try checkpoint()
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Inside

    /// Waits, with the lock held, for a sync that started after the caller's append; nil when
    /// it succeeded, or what failed. One sync covers everyone waiting when it starts.
    private func waitForFlush() -> String? {
        rounds.waitForCoveringFlush(condition) {
            let dirty = segments.indices.filter { segments[$0].dirty }
            for index in dirty { segments[index].dirty = false }
            return dirty.map { (segments[$0].descriptor, segments[$0].path) }
        } flush: { descriptors in
            var failure: String?
            for (descriptor, path) in descriptors {
                let code = settings.sync(descriptor)
                if code != 0 { failure = "fdatasync \(path): \(String(cString: strerror(code)))" }
            }
            return failure
        }
    }

    /// Checkpoints the full segment `index` once the changes it logged reached their files, so
    /// that it can be reused.
    private func checkpointWhenApplied(_ index: Int, filling: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        // A checkpoint of the whole log may cover it meanwhile, and the segment fill up again.
        func stillClosing() -> Bool { segments[index].state == .closing && segments[index].fillings == filling }
        while stillClosing() && (segments[index].pending > 0 || resetting) { condition.wait() }
        guard stillClosing() else { return }
        condition.unlock()
        var failure: String?
        do {
            try barrier.makeDurable(files: [], directories: [])
        } catch {
            failure = "\(error)"
        }
        condition.lock()
        if let failure {
            broken = "a checkpoint of the write-ahead log failed: \(failure)"
        } else if stillClosing() {
            segments[index].state = .free
        }
        condition.broadcast()
    }

    /// Empties the log of the store at `root` after its records were applied, the segment whose
    /// last record is older first (`oldestFirst`, indexes of ``segmentPath(root:_:)``): a crash
    /// between the two wipes leaves the newer records alone, never the older.
    static func wipe(root: String, oldestFirst order: [Int]) throws {
        for index in order {
            let path = segmentPath(root: root, index)
            let descriptor = open(path, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            try wipe(Segment(descriptor: descriptor, path: path, fileSize: WriteLogRecord.headerSize)) { fdatasync($0) == 0 ? 0 : errno }
        }
    }

    /// Overwrites the first record of `segment` with zeros, durably: nothing in it counts any more.
    private static func wipe(_ segment: Segment, sync: (Int32) -> Int32) throws {
        guard segment.fileSize > 0 else { return }
        try write([UInt8](repeating: 0, count: WriteLogRecord.headerSize), to: segment, at: 0)
        let code = sync(segment.descriptor)
        guard code == 0 else { throw DurableFiles.Failure(operation: "fdatasync", path: segment.path, code: code) }
    }

    private static func write(_ bytes: [UInt8], to segment: Segment, at offset: Int) throws {
        try bytes.withUnsafeBytes { try write($0, to: segment, at: offset) }
    }

    private static func write(_ buffer: UnsafeRawBufferPointer, to segment: Segment, at offset: Int) throws {
        var done = 0
        while done < buffer.count, let base = buffer.baseAddress {
            let written = pwrite(segment.descriptor, base + done, buffer.count - done, off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw DurableFiles.Failure(operation: "write", path: segment.path, code: errno)
            }
            done += written
        }
    }
}
