import Foundation
import MSSStoreFormat
import NIOConcurrencyHelpers

/// Where a key's document is in its bucket's packs: the pack's number, the entry's offset, and
/// its size, header included (what compaction counts as live).
struct DocumentPackLocation: Sendable, Hashable {
    var pack: Int64
    var offset: Int64
    var size: Int64
}

/// The append-only files that hold the documents of a bucket's small keys, many to a file:
/// `buckets/B/packs/NNNNNNNNNN.pack`, numbered from 1, each a run of ``DocumentPackEntry``.
///
/// Why: a document file per key made every small PUT create an inode and a folder entry, and
/// fill two new pages of the page cache; on this project's machines that was a fifth of the
/// server's CPU under 4 KiB PUTs, and appending the same bytes to one file a seventh of it.
///
/// Which buckets: those made with a `packs` folder (``StoredBucket/documentPacks``), which older
/// servers refuse to open. Which documents: those whose versions are all inline or delete
/// markers (no data file) and that fit an entry; any other stays in its own file, so the data
/// files of a shard are always explained by the documents in that shard.
///
/// What a key's document is, found without the index (a rebuild, ``StoreScan``): its file when
/// it has one, else its latest entry (by pack number, then offset), none when that entry is a
/// removal. A change that puts a document in a pack therefore removes the key's file, and a
/// removal of a key whose document may be in a pack appends a removal entry. Appends are not
/// flushed here: the write-ahead log's record stands for them until a checkpoint's `syncfs`,
/// like every file a logged change writes; a start appends to a new pack, so a torn entry
/// left by a crash is never followed by another in the same pack.
///
/// Thread-safe: appends of one bucket take a lock (the log's batch writer is the only caller
/// while the log runs). Blocking: call on ``StoreIO``.
final class DocumentPacks: Sendable {
    let root: String
    /// Packs are sealed past this size, and a new one started.
    let sealSize: Int64

    private struct Active {
        var descriptor: Int32
        var number: Int64
        var size: Int64
    }

    private let active = NIOLockedValueBox<[String: Active]>([:])

    init(root: String, sealSize: Int64 = 64 << 20) {
        self.root = root
        self.sealSize = sealSize
    }

    deinit {
        active.withLockedValue { packs in
            for pack in packs.values { close(pack.descriptor) }
        }
    }

    static func directory(root: String, bucket: String) -> String {
        root + "/buckets/" + bucket + "/packs"
    }

    static func path(root: String, bucket: String, number: Int64) -> String {
        directory(root: root, bucket: bucket) + "/" + fileName(number)
    }

    /// `0000000042.pack`: ten digits, so names sort as numbers do.
    static func fileName(_ number: Int64) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".pack"
    }

    /// Whether the bucket keeps documents in packs (its folder has a `packs` folder).
    static func holdsPacks(root: String, bucket: String) -> Bool {
        var status = stat()
        return stat(directory(root: root, bucket: bucket), &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// The numbers of the bucket's packs, in order; names of any other shape are left alone.
    static func numbers(root: String, bucket: String) -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory(root: root, bucket: bucket))) ?? []
        return names.compactMap(number(fileName:)).sorted()
    }

    /// The number a pack's file name gives, nil for any other name.
    static func number(fileName name: String) -> Int64? {
        guard name.utf8.count == 15, name.hasSuffix(".pack") else { return nil }
        let digits = name.utf8.prefix(10)
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(String(decoding: digits, as: UTF8.self)).flatMap { $0 > 0 ? $0 : nil }
    }

    // MARK: Writing

    /// Appends `entries` to the bucket's active pack in one write and returns where each went;
    /// not flushed (see the type's notes). A failure leaves the active pack behind, so the next
    /// append starts a new one after whatever part of this one reached the file.
    func append(_ entries: [DocumentPackEntry], bucket: String) throws -> [DocumentPackLocation] {
        guard !entries.isEmpty else { return [] }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.reduce(0) { $0 + $1.size })
        var places: [(offset: Int64, size: Int64)] = []
        places.reserveCapacity(entries.count)
        for entry in entries {
            let start = bytes.count
            entry.encode(into: &bytes)
            places.append((Int64(start), Int64(bytes.count - start)))
        }
        return try active.withLockedValue { packs in
            var pack = try packs[bucket].flatMap { $0.size + Int64(bytes.count) > sealSize && $0.size > 0 ? nil : $0 }
                ?? open(bucket: bucket, replacing: packs[bucket])
            packs[bucket] = pack
            do {
                try bytes.withUnsafeBytes { try DurableFiles.writeAll($0, to: pack.descriptor, path: Self.path(root: root, bucket: bucket, number: pack.number), at: pack.size) }
            } catch {
                close(pack.descriptor)
                packs[bucket] = nil
                throw error
            }
            let start = pack.size
            pack.size += Int64(bytes.count)
            packs[bucket] = pack
            return places.map { DocumentPackLocation(pack: pack.number, offset: start + $0.offset, size: $0.size) }
        }
    }

    /// Makes everything appended to the bucket's active pack durable, with the folder's entry
    /// for it: for an append outside the write-ahead log.
    func synchronize(bucket: String) throws {
        try active.withLockedValue { packs in
            guard let pack = packs[bucket] else { return }
            guard fsync(pack.descriptor) == 0 else {
                throw DurableFiles.Failure(operation: "fsync", path: Self.path(root: root, bucket: bucket, number: pack.number), code: errno)
            }
        }
        try DurableFiles.fsyncDirectory(Self.directory(root: root, bucket: bucket))
    }

    /// The number of the pack appends of the bucket go to, nil before its first append since
    /// the start: every other pack of the bucket is sealed, and only compaction changes it.
    func activeNumber(bucket: String) -> Int64? {
        active.withLockedValue { $0[bucket]?.number }
    }

    /// Closes the bucket's active pack: its folder is gone, and a bucket of the same name made
    /// later starts from pack 1.
    func forget(bucket: String) {
        active.withLockedValue { packs in
            if let pack = packs.removeValue(forKey: bucket) { close(pack.descriptor) }
        }
    }

    /// A new pack after the bucket's last one, 0600, never one a reader may be in the middle of.
    private func open(bucket: String, replacing old: Active?) throws -> Active {
        if let old { close(old.descriptor) }
        let number = (Self.numbers(root: root, bucket: bucket).last ?? 0) + 1
        let path = Self.path(root: root, bucket: bucket, number: number)
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, DurableFiles.fileMode)
        guard descriptor >= 0 else { throw DurableFiles.Failure(operation: "create", path: path, code: errno) }
        return Active(descriptor: descriptor, number: number, size: 0)
    }

    // MARK: Reading

    /// A pack entry that is not what the index said it would be.
    struct Damaged: Error, CustomStringConvertible {
        var path: String
        var offset: Int64
        var reason: String

        var description: String { "\(path) at \(offset): \(reason)" }
    }

    /// The entry at `location` in the bucket's packs, checked whole (``DocumentPackEntry/decode(_:)``).
    static func read(root: String, bucket: String, at location: DocumentPackLocation) throws -> DocumentPackEntry {
        let path = path(root: root, bucket: bucket, number: location.pack)
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DurableFiles.Failure(operation: "open", path: path, code: errno) }
        defer { close(descriptor) }
        guard let header = DurableFiles.readBytes(descriptor, count: DocumentPackEntry.headerSize, at: location.offset),
            let payloadSize = DocumentPackEntry.payloadSize(header: header),
            let payload = DurableFiles.readBytes(descriptor, count: payloadSize, at: location.offset + Int64(DocumentPackEntry.headerSize)),
            let entry = DocumentPackEntry.decode(header + payload)
        else { throw Damaged(path: path, offset: location.offset, reason: "no whole entry there") }
        return entry
    }

    /// What a walk through one pack found besides its entries.
    struct Walk: Sendable, Equatable {
        /// Offsets where bytes that are not an entry start, followed by a whole entry: damage.
        var damagedAt: [Int64] = []
        /// Where bytes after the last whole entry start (an append cut by a crash), if any.
        var tornTailAt: Int64?
    }

    /// Calls `body` with every whole entry of the pack at `path`, in order, and its offset. Past
    /// bytes that are not an entry it looks for the next one (by its magic, then its checksum),
    /// so damage in the middle costs the entries it hit, not the rest of the pack.
    static func walk(_ path: String, _ body: (Int64, DocumentPackEntry) -> Void) -> Walk {
        var walk = Walk()
        guard let data = FileManager.default.contents(atPath: path) else { return walk }
        let bytes = [UInt8](data)
        var offset = 0
        var badSince: Int?
        while offset < bytes.count {
            if let size = entrySize(bytes, at: offset), let entry = DocumentPackEntry.decode(Array(bytes[offset..<(offset + size)])) {
                if let start = badSince {
                    walk.damagedAt.append(Int64(start))
                    badSince = nil
                }
                body(Int64(offset), entry)
                offset += size
            } else {
                if badSince == nil { badSince = offset }
                offset = nextMagic(bytes, after: offset) ?? bytes.count
            }
        }
        walk.tornTailAt = badSince.map(Int64.init)
        return walk
    }

    /// The size of the entry whose header starts at `offset`, when its header is sound and the
    /// whole entry is in `bytes`.
    private static func entrySize(_ bytes: [UInt8], at offset: Int) -> Int? {
        guard bytes.count - offset >= DocumentPackEntry.headerSize,
            let payload = DocumentPackEntry.payloadSize(header: bytes[offset..<(offset + DocumentPackEntry.headerSize)]),
            bytes.count - offset - DocumentPackEntry.headerSize >= payload
        else { return nil }
        return DocumentPackEntry.headerSize + payload
    }

    private static func nextMagic(_ bytes: [UInt8], after offset: Int) -> Int? {
        let magic: [UInt8] = [0x4D, 0x53, 0x50, 0x4B]
        var candidate = offset + 1
        while candidate + 4 <= bytes.count {
            if bytes[candidate] == magic[0] && bytes[candidate + 1] == magic[1] && bytes[candidate + 2] == magic[2]
                && bytes[candidate + 3] == magic[3]
            {
                return candidate
            }
            candidate += 1
        }
        return nil
    }
}
