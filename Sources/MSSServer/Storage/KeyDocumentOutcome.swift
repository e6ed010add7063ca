import Foundation

/// What publishing a key's document did: whether the new document is what is on disk (it was
/// renamed into place) and, if something failed, what.
struct KeyDocumentOutcome: Sendable {
    var visible = false
    var failure: String?

    /// Moves a new version's bytes into place when `data` is given, then replaces (or with nil
    /// `document`, removes) the key's document, fsyncing the shard folder after each, so the
    /// bytes' name is durable before the document naming them. On a failure before the
    /// document is in place, the new bytes are removed again. Blocking: runs on ``StoreIO``.
    static func publish(
        document: Data?, at metadataPath: String, shard: String, temporary: String, data: (from: String, to: String)?
    ) -> KeyDocumentOutcome {
        do {
            // A delete marker can be a key's first document, so its shard may not exist yet.
            if data != nil || document != nil { try DurableFiles.ensureDirectory(shard) }
            if let data {
                DurableFiles.makePrivate(data.from)
                try DurableFiles.rename(data.from, to: data.to)
                try DurableFiles.fsyncDirectory(shard)
            }
            if let document {
                try DurableFiles.createFile(temporary, contents: document)
                do {
                    try DurableFiles.rename(temporary, to: metadataPath)
                } catch {
                    unlink(temporary)
                    throw error
                }
            } else {
                try FileManager.default.removeItem(atPath: metadataPath)
            }
        } catch {
            if let data {
                unlink(data.from)
                unlink(data.to)
            }
            return KeyDocumentOutcome(visible: false, failure: "\(error)")
        }
        do {
            try DurableFiles.fsyncDirectory(shard)
        } catch {
            return KeyDocumentOutcome(visible: true, failure: "\(error)")
        }
        return KeyDocumentOutcome(visible: true)
    }
}
