import Foundation
import Logging

extension ObjectStore {
    /// The folder damaged metadata is moved to, out of every path the server reads.
    nonisolated var damagedDirectory: URL {
        root.appendingPathComponent(".mss/damaged", isDirectory: true)
    }

    /// Does at start what `scan` found to be needed: removes provable garbage, moves damaged
    /// metadata aside, and writes a fresh bucket.json for buckets that lost theirs. Everything else
    /// it found is kept and logged.
    func repair(_ scan: StoreScan) throws {
        for path in scan.temporary {
            try? FileManager.default.removeItem(atPath: path)
        }
        for file in scan.damaged {
            guard let destination = try setAside(file.path) else { continue }
            logger.error(
                "damaged metadata moved aside",
                metadata: ["path": "\(file.path)", "reason": "\(file.reason)", "movedTo": "\(destination)"])
        }
        for path in scan.superseded {
            if (try? FileManager.default.removeItem(atPath: path)) != nil {
                logger.debug("removed the data of a replaced version", metadata: ["path": "\(path)"])
            }
        }
        for path in scan.interruptedWrites {
            guard let destination = try setAside(path) else { continue }
            logger.warning(
                "data of a write cut before its metadata moved aside", metadata: ["path": "\(path)", "movedTo": "\(destination)"])
        }
        for path in scan.unreferencedData {
            logger.warning("data file without readable metadata kept; see mss-server --check", metadata: ["path": "\(path)"])
        }
        for path in scan.missingData {
            logger.warning("object metadata whose data file is missing", metadata: ["path": "\(path)"])
        }
        for path in scan.uploadsWithoutRecord {
            logger.warning("multipart upload folder without a readable upload.json kept", metadata: ["path": "\(path)"])
        }
        for path in scan.bucketFoldersWithoutMetadata {
            logger.warning("bucket folder without bucket.json or objects ignored", metadata: ["path": "\(path)"])
        }
        for (name, bucket) in scan.buckets.sorted(by: { $0.key < $1.key }) {
            guard let reason = bucket.rebuildReason else { continue }
            try writeBucket(bucket.stored)
            logger.error(
                "bucket restored as private with a fresh bucket.json",
                metadata: ["bucket": "\(name)", "reason": "\(reason)", "objects": "\(bucket.objectCount)"])
        }
    }

    /// Moves the file at `path` into `.mss/damaged`, named after where it was, and returns where
    /// it went; nil when the file is gone since the scan saw it (a replaced version's bytes whose
    /// removal was already due), which leaves nothing to set aside.
    func setAside(_ path: String) throws -> String? {
        try DurableFiles.ensureDirectory(damagedDirectory.path)
        let base = Self.setAsideName(relativePath: relativePath(path))
        var destination = damagedDirectory.appendingPathComponent(base).path
        var attempt = 1
        while FileManager.default.fileExists(atPath: destination) {
            attempt += 1
            destination = damagedDirectory.appendingPathComponent("\(base).\(attempt)").path
        }
        do {
            try DurableFiles.rename(path, to: destination)
        } catch let failure as DurableFiles.Failure where failure.code == ENOENT && !FileManager.default.fileExists(atPath: path) {
            logger.debug("a file to set aside was already gone", metadata: ["path": "\(path)"])
            return nil
        }
        try DurableFiles.fsyncDirectory(damagedDirectory.path)
        try DurableFiles.fsyncDirectory((path as NSString).deletingLastPathComponent)
        return destination
    }

    /// The whole original path in one file name, reversibly: `%` and `/` percent-encoded.
    static func setAsideName(relativePath: String) -> String {
        relativePath.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "/", with: "%2F")
    }

    nonisolated func relativePath(_ path: String) -> String {
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
