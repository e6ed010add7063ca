import Foundation
import MSSStoreFormat

/// After a crash, the changes the write-ahead log (``WriteAheadLog``) holds, and their
/// application to the files, before anything else reads the store.
///
/// Each segment counts from offset 0 for as long as its records are whole (checksum), of the
/// generation of its first one, and in increasing sequence; the two segments' records are then
/// taken in sequence order. Replaying history is harmless, as every record is a whole state:
/// for each key only the last record counts, and of the data files it names only those of
/// versions its document lists (so nothing replaced is brought back). A record of a bucket
/// whose folder is gone is skipped.
struct WriteLogReplay: Sendable {
    /// Every record that counts, in the order they were logged.
    let records: [WriteLogRecord]
    /// The segments, the one whose last record is older first: the order to wipe them in.
    let segmentsOldestFirst: [Int]

    /// Reads the log of the store at `root`; nothing when there is none.
    init(root: String) {
        var found: [(UInt64, WriteLogRecord)] = []
        var last: [(segment: Int, sequence: UInt64)] = []
        for index in 0..<2 {
            let read = Self.read(WriteAheadLog.segmentPath(root: root, index))
            found += read
            last.append((index, read.last?.0 ?? 0))
        }
        records = found.sorted { $0.0 < $1.0 }.map(\.1)
        segmentsOldestFirst = last.sorted { $0.sequence < $1.sequence }.map(\.segment)
    }

    /// How many keys the records change.
    var keyCount: Int { Set(records.flatMap { $0.operations.compactMap(\.documentPath) }).count }

    /// Writes the last state the log holds of each key into its files, made durable by
    /// `makeDurable` (given what was written); returns how many keys it wrote or removed.
    func apply(root: String, temporaryDirectory: String, makeDurable: (_ files: [String], _ directories: [String]) throws -> Void) throws
        -> Int
    {
        var documents: [String: WriteLogRecord.Operation] = [:]
        var order: [String] = []
        // By key: the path up to the version, "buckets/B/objects/HH/HASH.".
        var data: [Substring: [String: [UInt8]]] = [:]
        for record in records {
            for operation in record.operations {
                switch operation {
                case .data(let path, let bytes):
                    if let dot = path.lastIndex(of: ".") { data[path[...dot], default: [:]][path] = bytes }
                case .document, .removed, .settled:
                    if documents.updateValue(operation, forKey: operation.path) == nil { order.append(operation.path) }
                }
            }
        }
        var written: [String] = []
        var folders = Set<String>()
        var keys = 0
        // As the batch writer does: a start's packs are new ones, appended to here and flushed below.
        let packs = DocumentPacks(root: root)
        var packedBuckets: [Substring: Bool] = [:]
        var appended = Set<String>()
        for path in order {
            let parts = path.split(separator: "/")
            // Never made again: a bucket deleted after its record was logged.
            guard StoreScan.isDirectory(URL(fileURLWithPath: root + "/buckets/" + parts[1], isDirectory: true)) else { continue }
            let bucket = String(parts[1])
            let packed = packedBuckets[parts[1]] ?? DocumentPacks.holdsPacks(root: root, bucket: bucket)
            packedBuckets[parts[1]] = packed
            let shard = root + "/" + parts.dropLast().joined(separator: "/")
            let hash = String(parts[4].dropLast(".json".count))
            switch documents[path] {
            case .document(_, let bytes):
                try DurableFiles.ensureDirectory(shard)
                folders.insert(shard)
                let dataPrefix = parts.dropLast().joined(separator: "/") + "/" + hash + "."
                // Only the versions the document lists; when it does not decode (the start
                // then sets it aside), every version logged for the key, so nothing is lost.
                let decoded = try? KeyIndex.decode(bytes)
                let versions = decoded.map { stored in
                    Set(stored.versions.filter { !$0.isDeleteMarker }.map { dataPrefix + $0.version })
                }
                if packed, let decoded, decoded.fitsPack(documentSize: bytes.count) {
                    _ = try packs.append([.document(hash: hash, bytes)], bucket: bucket)
                    appended.insert(bucket)
                    try DurableFiles.removeFile(root + "/" + path)
                    keys += 1
                    continue
                }
                for (dataPath, content) in data[Substring(dataPrefix)] ?? [:] where versions?.contains(dataPath) != false {
                    try Self.replace(root + "/" + dataPath, with: content, temporaryDirectory: temporaryDirectory)
                    written.append(root + "/" + dataPath)
                }
                try Self.replace(root + "/" + path, with: bytes, temporaryDirectory: temporaryDirectory)
                written.append(root + "/" + path)
                keys += 1
            case .removed:
                if packed {
                    _ = try packs.append([.removed(hash: hash)], bucket: bucket)
                    appended.insert(bucket)
                }
                try DurableFiles.removeFile(root + "/" + path)
                folders.insert(shard)
                keys += 1
            case .settled, .data, nil:
                continue
            }
        }
        // Flushed before the log is wiped, like the files: until then a crash replays it all again.
        for bucket in appended.sorted() { try packs.synchronize(bucket: bucket) }
        if !written.isEmpty || !folders.isEmpty {
            try makeDurable(written, folders.sorted())
        }
        return keys
    }

    /// Writes `bytes` as the file at `path` through a fresh file renamed over it, so a reader
    /// never sees half of it.
    private static func replace(_ path: String, with bytes: [UInt8], temporaryDirectory: String) throws {
        try bytes.withUnsafeBytes { try DurableFiles.replaceUnflushed(path, bytes: $0, stagedAt: temporaryDirectory + "/" + UUID.random().uuidString) }
    }

    /// The records of one segment that count, with their sequence numbers.
    static func read(_ path: String) -> [(UInt64, WriteLogRecord)] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return [] }
        let size = Int(status.st_size)
        var records: [(UInt64, WriteLogRecord)] = []
        var offset = 0
        var generation: UInt64?
        var last: UInt64 = 0
        while size - offset >= WriteLogRecord.headerSize {
            guard let header = DurableFiles.readBytes(descriptor, count: WriteLogRecord.headerSize, at: Int64(offset)),
                let parsed = WriteLogRecord.Header(header),
                parsed.payloadSize <= size - offset - WriteLogRecord.headerSize,
                generation == nil || parsed.generation == generation, parsed.sequence > last,
                let payload = DurableFiles.readBytes(descriptor, count: parsed.payloadSize, at: Int64(offset + WriteLogRecord.headerSize)),
                let (_, record) = WriteLogRecord.decode(header: header, payload: payload)
            else { break }
            generation = parsed.generation
            last = parsed.sequence
            records.append((parsed.sequence, record))
            offset += WriteLogRecord.headerSize + parsed.payloadSize
        }
        return records
    }
}

extension WriteLogRecord.Operation {
    /// The key's document this operation concerns, if it is about a document.
    var documentPath: String? {
        switch self {
        case .data: nil
        case .document(let path, _), .removed(let path), .settled(let path): path
        }
    }
}
