import S3Protocol

/// One entry of a bucket's document packs (mss-server's `DocumentPacks`): a key's whole document, or that
/// the key has none.
///
/// On disk an entry is a 16-byte header (magic, payload length, kind, three zero bytes, a CRC-32C
/// of header and payload) and its payload: the key's hash as the store writes it (SHA-256 of the key)
/// (64 lowercase hex digits), then, for a document, its bytes. The hash names the key even in a
/// removal, whose key the write-ahead log's record does not carry. Read back, every field is
/// untrusted: ``decode(_:)`` checks magic, lengths, kind and checksum before anything is used.
public struct DocumentPackEntry: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        /// The key's document, with the bytes of its inline versions.
        case document = 1
        /// The key has no document any more.
        case removed = 2
    }

    public var kind: Kind
    /// The key's SHA-256, in lowercase hex.
    public var hash: String
    /// The document's bytes; empty for ``Kind/removed``.
    public var document: [UInt8]

    public init(kind: Kind, hash: String, document: [UInt8]) {
        self.kind = kind
        self.hash = hash
        self.document = document
    }

    public static let headerSize = 16
    public static let hashSize = 64
    public static let magic: UInt32 = 0x4B50_534D  // "MSPK", little-endian
    /// The largest document an entry holds: a key's document with its inline versions is far
    /// below it; a larger one stays in its own file.
    public static let maximumDocumentSize = 64 * 1024
    /// The largest payload a header may announce.
    public static let maximumPayloadSize = hashSize + maximumDocumentSize

    public static func document(hash: String, _ bytes: [UInt8]) -> DocumentPackEntry {
        DocumentPackEntry(kind: .document, hash: hash, document: bytes)
    }

    public static func removed(hash: String) -> DocumentPackEntry {
        DocumentPackEntry(kind: .removed, hash: hash, document: [])
    }

    /// The bytes of header and payload.
    public var size: Int { Self.headerSize + Self.hashSize + document.count }

    /// Header and payload, to be appended to a pack; `hash` must have the shape
    /// ``isKeyHash(_:)`` accepts and `document` be at most ``maximumDocumentSize``.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode(into: &bytes)
        return bytes
    }

    /// ``encoded()`` appended to `bytes`: a batch of entries in one buffer, without one of its own each.
    public func encode(into bytes: inout [UInt8]) {
        precondition(Self.isKeyHash(hash.utf8) && document.count <= Self.maximumDocumentSize)
        let start = bytes.count
        bytes.reserveCapacity(start + size)
        WriteLogRecord.append(Self.magic, to: &bytes)
        WriteLogRecord.append(UInt32(truncatingIfNeeded: Self.hashSize + document.count), to: &bytes)
        bytes.append(kind.rawValue)
        bytes.append(contentsOf: [0, 0, 0])
        WriteLogRecord.append(UInt32(0), to: &bytes)
        bytes.append(contentsOf: hash.utf8)
        bytes.append(contentsOf: document)
        let crc = bytes.withUnsafeBytes { whole in
            var crc = CRC32(.castagnoli)
            crc.update(UnsafeRawBufferPointer(rebasing: whole[start...]))
            return crc.value
        }
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange((start + 12)..<(start + 16), with: $0) }
    }

    /// The payload's size a header announces, once its magic matched and the size is in bounds;
    /// nil for anything else.
    public static func payloadSize(header: some Collection<UInt8>) -> Int? {
        let header = Array(header.prefix(headerSize))
        guard header.count == headerSize, WriteLogRecord.read(UInt32.self, header, at: 0) == magic else { return nil }
        let size = Int(WriteLogRecord.read(UInt32.self, header, at: 4))
        guard (hashSize...maximumPayloadSize).contains(size) else { return nil }
        return size
    }

    /// The entry `bytes` hold, header and payload and nothing after; nil when the checksum, a
    /// length, the kind or the hash does not hold: an entry torn by a crash, or bytes that were
    /// never one.
    public static func decode(_ bytes: [UInt8]) -> DocumentPackEntry? {
        guard let payloadSize = payloadSize(header: bytes), bytes.count == headerSize + payloadSize,
            bytes[9] == 0, bytes[10] == 0, bytes[11] == 0, let kind = Kind(rawValue: bytes[8])
        else { return nil }
        var checked = bytes
        checked.replaceSubrange(12..<16, with: [0, 0, 0, 0])
        guard WriteLogRecord.checksum(checked) == WriteLogRecord.read(UInt32.self, bytes, at: 12) else { return nil }
        let hash = bytes[headerSize..<(headerSize + hashSize)]
        guard isKeyHash(hash) else { return nil }
        let document = Array(bytes[(headerSize + hashSize)...])
        switch kind {
        case .document where document.isEmpty, .removed where !document.isEmpty: return nil
        default: break
        }
        return DocumentPackEntry(kind: kind, hash: String(decoding: hash, as: UTF8.self), document: document)
    }

    /// 64 lowercase hex digits, as the store writes a key's hash.
    public static func isKeyHash(_ text: some Collection<UInt8>) -> Bool {
        text.count == hashSize
            && text.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }
}
