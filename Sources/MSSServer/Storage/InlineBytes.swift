import Foundation
import MSSStoreFormat
import NIOCore

/// Reading the bytes of inline versions (``StoredObject/isInline``) from a key's whole document,
/// the only place that keeps them: its file, or its entry in the bucket's packs
/// (``DocumentPacks``).
///
/// Why in the document: a small PUT then writes one document, not a data file and a document,
/// and the filesystem's inode allocation was the largest single cost of 4 KiB PUTs. Why not in
/// the index as well: rows of a few KiB cost SQLite overflow pages and a write of each twice
/// (log and checkpoint), three times what the file does.
extension StoredKey {
    /// The key as its document file at `path` says, inline bytes included; nil when there is no file.
    static func readDocument(at path: String) throws -> StoredKey? {
        guard let contents = FileManager.default.contents(atPath: path) else {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            throw DurableFiles.Failure(operation: "read", path: path, code: EIO)
        }
        return try KeyIndex.decode(Array(contents))
    }

    /// Fills in the bytes of the inline versions this change keeps from the key's whole document
    /// as it was before the change: the index and caches it was read from hold none.
    mutating func takeInlineBytes(from source: KeyDocumentSource) throws {
        let wanted = inlineVersionsWithoutBytes
        guard !wanted.isEmpty else { return }
        let current = try source.read()
        for version in wanted {
            guard let bytes = current?.inlineBytes[version] else {
                throw InlineBytesMissing(path: source.path, version: version)
            }
            inlineBytes[version] = bytes
        }
    }
}

/// Where a key's whole document is read from: its entry in the bucket's packs when the index
/// says it has one, else its file.
///
/// Blocking: run on ``StoreIO``, with the key's turn held (``ObjectStore/withKeyLock(bucket:key:_:)``),
/// as a document file is written in place under the write-ahead log and a change moves a
/// document between file and pack.
struct KeyDocumentSource: Sendable {
    var root: String
    var bucket: String
    var key: String
    /// ``ObjectStore/keyHash(_:)`` of the key.
    var hash: String
    /// The key's document file.
    var path: String
    var index: KeyIndex
    /// Whether the bucket keeps documents in packs; if not, the index is not asked.
    var packed: Bool

    /// The key with its inline bytes; nil when it has no document.
    func read() throws -> StoredKey? {
        guard packed, let location = try index.packLocation(bucket: bucket, key: key) else { return try StoredKey.readDocument(at: path) }
        let entry = try DocumentPacks.read(root: root, bucket: bucket, at: location)
        guard entry.kind == .document, entry.hash == hash else {
            throw DocumentPacks.Damaged(
                path: DocumentPacks.path(root: root, bucket: bucket, number: location.pack), offset: location.offset,
                reason: "the index names an entry of another key there")
        }
        return try KeyIndex.decode(entry.document)
    }
}

/// A document says a version's bytes are in it, and they are not.
struct InlineBytesMissing: Error, CustomStringConvertible {
    var path: String
    var version: String

    var description: String { "\(path) has no bytes for its inline version \(version)" }
}

extension IncomingData.Source {
    /// Objects up to this size, in clear, keep their bytes in their key's document.
    static let inlineLimit = 8 * 1024

    /// The bytes `object` keeps in its key's document: when they are held in memory, in clear
    /// and at most ``inlineLimit``; nil when it gets a data file.
    func inlineBytes(for object: StoredObject) -> Data? {
        guard case .memory(let buffer, _) = self, object.encryption == nil, buffer.readableBytes <= Self.inlineLimit,
            Int64(buffer.readableBytes) == object.size
        else { return nil }
        return Data(buffer.readableBytesView)
    }
}
