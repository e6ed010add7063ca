import Foundation
import NIOCore

/// What publishing a key's document did: whether the new document is what is on disk (it was
/// renamed into place) and, if something failed, what.
struct KeyDocumentOutcome: Sendable {
    var visible = false
    var failure: String?

    /// Moves a new version's bytes into place when `data` is given, then replaces (or with nil
    /// `document`, removes) the key's document. Two waits on `barrier` order it: the bytes, their
    /// name and the new document's contents are durable before the rename that makes them the
    /// key's, and that rename is durable before this returns. On a failure before the document
    /// is in place, the new bytes are removed again. A multipart part's record is published the
    /// same way, in its upload's folder, which `makingFolder: false` never creates. Blocking:
    /// runs on ``StoreIO``.
    static func publish(
        document: Data?, at metadataPath: String, shard: String, temporary: String, data: IncomingData?,
        barrier: DurabilityBarrier, makingFolder: Bool = true
    ) -> KeyDocumentOutcome {
        do {
            // A delete marker can be a key's first document, so its shard may not exist yet.
            if makingFolder && (data != nil || document != nil) { try DurableFiles.ensureDirectory(shard) }
            if let data {
                switch data.source {
                case .file(let path):
                    DurableFiles.makePrivate(path)
                case .memory(let bytes, let staging):
                    try bytes.withUnsafeReadableBytes { try DurableFiles.createFile(staging, bytes: $0, synchronize: false) }
                }
                try DurableFiles.rename(data.temporaryFile, to: data.destination)
            }
            if let document {
                try DurableFiles.createFile(temporary, contents: document, synchronize: false)
            }
            if data != nil || document != nil {
                try barrier.makeDurable(
                    files: [data?.destination, document.map { _ in temporary }].compactMap { $0 }, directories: data == nil ? [] : [shard])
            }
            if document != nil {
                try DurableFiles.rename(temporary, to: metadataPath)
            } else {
                try DurableFiles.removeFile(metadataPath)
            }
        } catch {
            if let data {
                unlink(data.temporaryFile)
                unlink(data.destination)
            }
            if document != nil { unlink(temporary) }
            return KeyDocumentOutcome(visible: false, failure: "\(error)")
        }
        do {
            try barrier.makeDurable(files: [], directories: [shard])
        } catch {
            return KeyDocumentOutcome(visible: true, failure: "\(error)")
        }
        return KeyDocumentOutcome(visible: true)
    }
}
