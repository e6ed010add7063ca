import CSyncFS
import Foundation
import MSSStoreFormat

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
/// Appends bypass the page cache (`O_DIRECT` where the filesystem allows it) and so write whole
/// blocks: a call's records go out in one write that starts at the block holding the log's end.
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
        /// Writes an append through a segment's `O_DIRECT` descriptor: `pwrite` unless a test
        /// refuses it, as a filesystem that wants blocks larger than ``WriteAheadLog/blockSize`` does.
        var directWrite: PositionedWrite = WriteAheadLog.positionedWrite
    }

    /// `pwrite(2)`'s shape: the count written, or -1 with `errno` set.
    typealias PositionedWrite = @Sendable (_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ offset: off_t) -> Int
    static let positionedWrite: PositionedWrite = { pwrite($0, $1, $2, $3) }

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
        /// The same file opened with `O_DIRECT`, which appends use; `descriptor` where the
        /// filesystem refuses it.
        var appendDescriptor: Int32
        let path: String
        /// How long its file is: as far as records have reached, in this filling or an earlier one.
        var fileSize: Int
        var generation: UInt64 = 0
        var end = 0
        /// The bytes before `end` in the block that holds it, which the next append writes again.
        var tail: [UInt8] = []
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
    /// Where ``appendBlocks(_:to:)`` lays out its blocks, aligned for `O_DIRECT`.
    private var blocks = UnsafeMutableRawBufferPointer(start: nil, count: 0)
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
                let direct = open(path, O_RDWR | O_CLOEXEC | mss_direct_io_flag())
                segments.append(Segment(descriptor: descriptor, appendDescriptor: direct >= 0 ? direct : descriptor, path: path, fileSize: Int(status.st_size)))
            }
            for index in segments.indices {
                try Self.wipe(segments[index], sync: settings.sync)
            }
            try DurableFiles.fsyncDirectory(root + "/.mss")
        } catch {
            for segment in segments { Self.closeDescriptors(segment) }
            throw error
        }
        segments[0].state = .active
        segments[0].generation = UInt64.random(in: 1...UInt64.max)
        self.segments = segments
    }

    deinit {
        for segment in segments { Self.closeDescriptors(segment) }
        blocks.deallocate()
    }

    private static func closeDescriptors(_ segment: Segment) {
        if segment.appendDescriptor != segment.descriptor { close(segment.appendDescriptor) }
        close(segment.descriptor)
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
        // The records for the active segment, appended in one write when it is full or the call
        // ends. The lock is held meanwhile: nothing waited on changes while they are staged.
        var staged = Staged()
        staged.bytes.reserveCapacity(records.reduce(0) { $0 + WriteLogRecord.headerSize + $1.payloadSize })
        records: for record in records {
            let size = WriteLogRecord.headerSize + record.payloadSize
            while true {
                if let broken {
                    if tickets.isEmpty && staged.count == 0 { throw Failure(description: broken) }
                    break records
                }
                if stopped {
                    if tickets.isEmpty && staged.count == 0 { throw Failure(description: "the log is closed") }
                    break records
                }
                if resetting {
                    // A checkpoint waits for the files of what this call wrote: they come first.
                    if !tickets.isEmpty || staged.count > 0 { break records }
                    condition.wait()
                    continue
                }
                if segments[active].end + staged.bytes.count + size <= settings.segmentLimit { break }
                if staged.count > 0 {
                    append(&staged, to: &tickets)
                    continue
                }
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
                segments[next].tail = []
                active = next
                // On a thread of its own: StoreIO's threads may all be appending and waiting for
                // exactly this checkpoint.
                let thread = Thread { self.checkpointWhenApplied(full, filling: filling) }
                thread.name = "mss-wal-checkpoint"
                thread.start()
            }
            sequence &+= 1
            staged.bytes.append(contentsOf: record.encoded(generation: segments[active].generation, sequence: sequence))
            staged.count += 1
            staged.lastSequence = sequence
        }
        if staged.count > 0 {
            append(&staged, to: &tickets)
        }
        if tickets.isEmpty, let broken { throw Failure(description: broken) }
        return tickets
    }

    /// Records encoded for the active segment and not yet written.
    private struct Staged {
        var bytes: [UInt8] = []
        var count = 0
        var lastSequence: UInt64 = 0
    }

    /// Appends the `staged` records to the active segment and adds their tickets, or marks the
    /// log broken; either way `staged` is empty again. Written while the lock is held, so the log
    /// never has a gap that a later record, made durable first, would sit behind.
    private func append(_ staged: inout Staged, to tickets: inout [Ticket]) {
        defer {
            staged.bytes.removeAll(keepingCapacity: true)
            staged.count = 0
        }
        do {
            try appendBlocks(staged.bytes, to: active)
        } catch {
            // A torn record never reads as one (its checksum); but a disk that fails a write
            // may fail others unseen.
            broken = "a write to the write-ahead log failed: \(error)"
            return
        }
        segments[active].pending += staged.count
        segments[active].dirty = true
        segments[active].lastSequence = staged.lastSequence
        tickets.append(contentsOf: repeatElement(Ticket(segment: active), count: staged.count))
    }

    /// The unit of an append: `O_DIRECT` wants whole blocks, at an offset and from memory aligned
    /// to the device's logical block, which is 512 or 4,096 bytes.
    static let blockSize = 4096

    /// The most memory the log keeps for laying out appends between them: 256 changes of a 4 KiB
    /// object, whose records take about 6 KiB each.
    static let keptBlocksLimit = 2 << 20

    /// Writes `bytes` at the end of segment `index` in whole blocks, starting at the block that
    /// holds its end: that block's bytes before the end again (``Segment/tail``), then `bytes`,
    /// then zeros to a block's end, which end the run of records as any bytes not of the
    /// segment's generation do.
    ///
    /// Why: appended through the page cache, each record was copied into pages the append had to
    /// allocate and that `fdatasync` then wrote out, all on the batch writer's thread (9% of the
    /// server's CPU under small PUTs). Written directly, the device reads the bytes from here, and
    /// `fdatasync` only flushes its cache (and the file's size while it grows). A record already
    /// durable in the block written again gets the same bytes, so a write torn by a crash
    /// leaves it whole.
    private func appendBlocks(_ bytes: [UInt8], to index: Int) throws {
        let block = Self.blockSize
        let tail = segments[index].tail
        let start = segments[index].end - tail.count
        let length = tail.count + bytes.count
        let total = (length + block - 1) / block * block
        if blocks.count < total {
            // Kept from one append to the next: memory freshly mapped for each would fault in anew.
            let size = max(total, 2 * blocks.count, 16 * block)
            blocks.deallocate()
            blocks = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: block)
        }
        defer {
            // A rare large batch (documents of many versions) does not keep its memory.
            if blocks.count > Self.keptBlocksLimit {
                blocks.deallocate()
                blocks = UnsafeMutableRawBufferPointer(start: nil, count: 0)
            }
        }
        let buffer = UnsafeMutableRawBufferPointer(rebasing: blocks[..<total])
        buffer.copyBytes(from: tail)
        UnsafeMutableRawBufferPointer(rebasing: buffer[tail.count..<length]).copyBytes(from: bytes)
        UnsafeMutableRawBufferPointer(rebasing: buffer[length...]).initializeMemory(as: UInt8.self, repeating: 0)
        let path = segments[index].path
        let direct = segments[index].appendDescriptor != segments[index].descriptor
        do {
            try Self.write(
                UnsafeRawBufferPointer(buffer), to: segments[index].appendDescriptor, path: path, at: start,
                with: direct ? settings.directWrite : Self.positionedWrite)
        } catch let failure as DurableFiles.Failure where failure.code == EINVAL && direct {
            // A filesystem that opens with O_DIRECT but wants larger blocks: the page cache then.
            close(segments[index].appendDescriptor)
            segments[index].appendDescriptor = segments[index].descriptor
            try Self.write(UnsafeRawBufferPointer(buffer), to: segments[index].descriptor, path: path, at: start)
        }
        let end = start + length
        let tailStart = end / block * block
        segments[index].tail = Array(UnsafeRawBufferPointer(rebasing: buffer[(tailStart - start)..<length]))
        segments[index].end = end
        segments[index].fileSize = max(segments[index].fileSize, start + total)
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
                segments[index].tail = []
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
            try wipe(Segment(descriptor: descriptor, appendDescriptor: descriptor, path: path, fileSize: WriteLogRecord.headerSize)) {
                fdatasync($0) == 0 ? 0 : errno
            }
        }
    }

    /// Overwrites the first record of `segment` with zeros, durably: nothing in it counts any more.
    private static func wipe(_ segment: Segment, sync: (Int32) -> Int32) throws {
        guard segment.fileSize > 0 else { return }
        try [UInt8](repeating: 0, count: WriteLogRecord.headerSize).withUnsafeBytes {
            try write($0, to: segment.descriptor, path: segment.path, at: 0)
        }
        let code = sync(segment.descriptor)
        guard code == 0 else { throw DurableFiles.Failure(operation: "fdatasync", path: segment.path, code: code) }
    }

    private static func write(
        _ buffer: UnsafeRawBufferPointer, to descriptor: Int32, path: String, at offset: Int,
        with write: PositionedWrite = positionedWrite
    ) throws {
        var done = 0
        while done < buffer.count, let base = buffer.baseAddress {
            let written = write(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw DurableFiles.Failure(operation: "write", path: path, code: errno)
            }
            done += written
        }
    }
}
