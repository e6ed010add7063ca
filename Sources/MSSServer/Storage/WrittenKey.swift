import Foundation
import MSSStoreFormat

/// What a change of a key did: whether its new document is what is on disk, and its versions
/// before and after.
struct WrittenKey: Sendable {
    var outcome: KeyDocumentOutcome
    var previous: StoredKey?
    var stored: StoredKey?
}

/// A key's versions as a change of it found them and left them, and the new document that
/// says so (nil: the key has no versions left).
struct PreparedKey: Sendable {
    var previous: StoredKey?
    /// Without inline bytes (``StoredKey/withoutInlineBytes``), as the index and caches keep it.
    var stored: StoredKey?
    /// The key's document file, inline bytes included.
    var document: Data?
    /// The document the index keeps: ``document`` without the inline bytes.
    var indexDocument: Data?
}

extension PreparedKey {
    /// The change from `previous` to `stored`, whose inline versions all have their bytes, with
    /// its documents encoded.
    init(previous: StoredKey?, stored: StoredKey?, encoder: JSONEncoder) throws {
        self.previous = previous
        guard var stored else { return }
        stored.dropInlineBytesOfRemovedVersions()
        let lean = stored.withoutInlineBytes
        self.stored = lean
        if let written = KeyDocumentWriter.encodeWithoutInlineBytes(stored) {
            (document, indexDocument) = written
        } else {
            document = try encoder.encode(stored)
            indexDocument = stored.inlineBytes.isEmpty ? document : try encoder.encode(lean)
        }
    }
}

extension PreparedKey {
    /// Whether the key's new document belongs in its bucket's packs (``StoredKey/fitsPack(documentSize:)``).
    var fitsPack: Bool {
        guard let stored, let document else { return false }
        return stored.fitsPack(documentSize: document.count)
    }
}

extension StoredKey {
    /// Whether a document of this key, of `documentSize` bytes, belongs in its bucket's packs
    /// (``DocumentPacks``): every version is inline or a delete marker, so no data file depends
    /// on it, and it fits an entry.
    func fitsPack(documentSize: Int) -> Bool {
        documentSize <= DocumentPackEntry.maximumDocumentSize && versions.allSatisfy { $0.isInline || $0.isDeleteMarker }
    }
}

extension WrittenKey {
    /// What the change `prepared` did, with `outcome` for its files.
    init(_ outcome: KeyDocumentOutcome, of prepared: PreparedKey) {
        self.init(outcome: outcome, previous: prepared.previous, stored: prepared.stored)
    }

    /// What a change whose files `outcome` describes did, once the index is told of it (when it
    /// is visible); a failure of the index becomes the outcome's.
    static func indexed(_ outcome: KeyDocumentOutcome, _ prepared: PreparedKey, bucket: String, key: String, index: KeyIndex) -> WrittenKey {
        var outcome = outcome
        if outcome.visible {
            do {
                try index.put(bucket: bucket, key: key, stored: prepared.stored, document: prepared.indexDocument)
            } catch {
                outcome.failure = outcome.failure ?? indexFailure(error)
            }
        }
        return WrittenKey(outcome, of: prepared)
    }

    /// Why a visible change failed when its files are in place but the index could not record
    /// it: the index, which no longer matches them, is rebuilt at the next start (``KeyIndex``
    /// marked it).
    static func indexFailure(_ error: any Error) -> String {
        "the index could not record the change: \(error)"
    }
}
