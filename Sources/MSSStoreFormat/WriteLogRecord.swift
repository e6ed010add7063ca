import S3Protocol

/// One change of one key in mss-server's write-ahead log (`WriteAheadLog`): the files it makes or
/// removes, by their paths under the data directory.
///
/// On disk a record is a 32-byte header (magic, payload length, the segment's generation, the
/// record's sequence number, a CRC-32C of header and payload) and its payload, a list of
/// operations. Read back after a crash, every field is untrusted: lengths are checked against
/// what is left, paths against the only shapes the store writes (``isStorePath(_:)``).
public struct WriteLogRecord: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        /// The bytes of one version: `buckets/B/objects/HH/HASH.VERSION`.
        case data(path: String, bytes: [UInt8])
        /// A key's new document: `buckets/B/objects/HH/HASH.json`.
        case document(path: String, bytes: [UInt8])
        /// The key's document was removed.
        case removed(path: String)
        /// The key's document was made durable outside the log (too large for it): what is on
        /// disk is its state, and no earlier record of the key may replace it.
        case settled(path: String)

        public var path: String {
            switch self {
            case .data(let path, _), .document(let path, _), .removed(let path), .settled(let path): path
            }
        }

        fileprivate var kind: UInt8 {
            switch self {
            case .data: 1
            case .document: 2
            case .removed: 3
            case .settled: 4
            }
        }
    }

    public var operations: [Operation] = []

    public init(operations: [Operation] = []) {
        self.operations = operations
    }

    public static let headerSize = 32
    public static let magic: UInt32 = 0x4C57_534D  // "MSWL", little-endian

    /// The payload's size once encoded.
    public var payloadSize: Int {
        operations.reduce(0) { total, operation in
            var size = 1 + 2 + operation.path.utf8.count + 4
            switch operation {
            case .data(_, let bytes), .document(_, let bytes): size += bytes.count
            case .removed, .settled: break
            }
            return total + size
        }
    }

    /// Header and payload, ready to be written at one offset.
    public func encoded(generation: UInt64, sequence: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + payloadSize)
        Self.append(Self.magic, to: &bytes)
        Self.append(UInt32(truncatingIfNeeded: payloadSize), to: &bytes)
        Self.append(generation, to: &bytes)
        Self.append(sequence, to: &bytes)
        // CRC and a reserved word, filled in below.
        bytes.append(contentsOf: repeatElement(0, count: 8))
        for operation in operations {
            bytes.append(operation.kind)
            let path = Array(operation.path.utf8)
            Self.append(UInt16(truncatingIfNeeded: path.count), to: &bytes)
            bytes.append(contentsOf: path)
            switch operation {
            case .data(_, let content), .document(_, let content):
                Self.append(UInt32(truncatingIfNeeded: content.count), to: &bytes)
                bytes.append(contentsOf: content)
            case .removed, .settled:
                Self.append(UInt32(0), to: &bytes)
            }
        }
        let crc = Self.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(24..<28, with: $0) }
        return bytes
    }

    /// What a header says, once its magic matched; the payload is checked separately.
    public struct Header: Sendable, Equatable {
        public var payloadSize: Int
        public var generation: UInt64
        public var sequence: UInt64
        public var checksum: UInt32

        public init?(_ bytes: some Collection<UInt8>) {
            let bytes = Array(bytes)
            guard bytes.count >= WriteLogRecord.headerSize, WriteLogRecord.read(UInt32.self, bytes, at: 0) == WriteLogRecord.magic else {
                return nil
            }
            payloadSize = Int(WriteLogRecord.read(UInt32.self, bytes, at: 4))
            generation = WriteLogRecord.read(UInt64.self, bytes, at: 8)
            sequence = WriteLogRecord.read(UInt64.self, bytes, at: 16)
            checksum = WriteLogRecord.read(UInt32.self, bytes, at: 24)
        }
    }

    /// The record in `header` + `payload`, or nil when the checksum or any length or path does
    /// not hold: a record torn by a crash, or bytes that were never one.
    public static func decode(header: [UInt8], payload: [UInt8]) -> (Header, WriteLogRecord)? {
        guard let parsed = Header(header), parsed.payloadSize == payload.count else { return nil }
        var checked = Array(header.prefix(headerSize))
        checked.replaceSubrange(24..<28, with: [0, 0, 0, 0])
        checked.append(contentsOf: payload)
        guard checksum(checked) == parsed.checksum else { return nil }
        var record = WriteLogRecord()
        var offset = 0
        while offset < payload.count {
            // kind (1), path length (2), path, content length (4), content
            guard payload.count - offset >= 3 else { return nil }
            let kind = payload[offset]
            let pathLength = Int(read(UInt16.self, payload, at: offset + 1))
            offset += 3
            guard payload.count - offset >= pathLength + 4 else { return nil }
            let path = String(decoding: payload[offset..<(offset + pathLength)], as: UTF8.self)
            offset += pathLength
            let contentLength = Int(read(UInt32.self, payload, at: offset))
            offset += 4
            guard payload.count - offset >= contentLength, isStorePath(path) else { return nil }
            let content = Array(payload[offset..<(offset + contentLength)])
            offset += contentLength
            switch kind {
            case 1: record.operations.append(.data(path: path, bytes: content))
            case 2: record.operations.append(.document(path: path, bytes: content))
            case 3 where contentLength == 0: record.operations.append(.removed(path: path))
            case 4 where contentLength == 0: record.operations.append(.settled(path: path))
            default: return nil
            }
        }
        return (parsed, record)
    }

    /// Whether `path` has the shape of a key's document or data file under the data directory:
    /// `buckets/BUCKET/objects/HH/HASH.json` or `.VERSION`, HASH being 64 lowercase hex digits
    /// that start with HH. A replay writes nothing else, whatever the log says.
    public static func isStorePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "buckets", parts[2] == "objects",
            NameRules.bucketNameProblem(String(parts[1])) == nil
        else { return false }
        let name = parts[4].utf8
        guard let dot = name.firstIndex(of: UInt8(ascii: ".")) else { return false }
        let hash = name[..<dot]
        let suffix = name[name.index(after: dot)...]
        guard hash.count == 64, hash.allSatisfy(isLowercaseHex), parts[3].utf8.elementsEqual(hash.prefix(2)),
            (1...64).contains(suffix.count),
            suffix.allSatisfy({ isLowercaseHex($0) || ($0 >= UInt8(ascii: "g") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "-") })
        else { return false }
        return true
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32(.castagnoli)
        bytes.withUnsafeBytes { crc.update($0) }
        return crc.value
    }

    static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A little-endian integer at `offset`; the caller checked that it fits. (Also the pack
    /// entries' reader.)
    static func read<Integer: FixedWidthInteger>(_: Integer.Type, _ bytes: [UInt8], at offset: Int) -> Integer {
        var value: Integer = 0
        for index in 0..<MemoryLayout<Integer>.size {
            value |= Integer(bytes[offset + index]) << (8 * index)
        }
        return value
    }
}
