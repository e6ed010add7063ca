import Foundation
import MSSStoreFormat

/// What `mss-server --check DIR` prints: every problem in a data directory, and what a start of
/// the server would repair, found without changing anything.
public struct StoreCheckReport: Sendable, CustomStringConvertible {
    public let dataDirectory: String
    let scan: StoreScan
    /// Keys the write-ahead log holds changes of, which a start applies before it reads the files.
    let loggedKeys: Int
    /// Problems of files the log's changes write again (a document cut short, bytes not there
    /// yet), left out of `scan`: no start sees them.
    let problemsTheLogRepairs: Int

    /// Reads the data directory at `path`; throws when there is none.
    public init(dataDirectory path: String) throws {
        let root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        guard StoreScan.isDirectory(root) else { throw NoDataDirectory(path: root.path) }
        dataDirectory = root.path
        var scan = StoreScan(root: root)
        let replay = WriteLogReplay(root: root.path)
        loggedKeys = replay.keyCount
        // Files are written in place after their record, so a crash can leave one cut short;
        // the start writes every file the log names before it reads any.
        let logged = Set(replay.records.flatMap { $0.operations.map { root.path + "/" + $0.path } })
        let problems = scan.problemCount
        scan.damaged.removeAll { logged.contains($0.path) }
        let dataFiles: [WritableKeyPath<StoreScan, [String]>] = [\.interruptedWrites, \.unreferencedData, \.missingData, \.superseded]
        for files in dataFiles { scan[keyPath: files].removeAll(where: logged.contains) }
        problemsTheLogRepairs = problems - scan.problemCount
        self.scan = scan
    }

    public struct NoDataDirectory: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "there is no data directory at \(path)" }
    }

    /// True when nothing needs repair or attention.
    public var isClean: Bool { scan.problemCount == 0 }

    public var description: String {
        var lines = ["mss-server check of \(dataDirectory)"]
        let objectCount = scan.buckets.values.reduce(0) { $0 + $1.objectCount }
        lines.append("  \(scan.buckets.count) bucket(s), \(objectCount) object(s), \(scan.uploads.count) multipart upload(s) readable")
        section(&lines, "metadata written by a newer mss-server (this one refuses to start)",
            scan.futureFormat.map { "\(relative($0.path)): format version \($0.version), this server knows \(FormatVersion.current.rawValue)" })
        section(&lines, "damaged metadata files", scan.damaged.map { "\(relative($0.path)): \($0.reason)" })
        section(&lines, "damaged entries of document packs (kept in place; a rebuild finds the key's entry before, if any)",
            scan.damagedPackEntries.map { "\(relative($0.path)): \($0.reason)" })
        section(&lines, "bucket folders with objects but no bucket.json", scan.bucketsWithoutMetadata.map(relative))
        section(&lines, "data files without metadata (kept)", scan.unreferencedData.map(relative))
        section(&lines, "data of writes cut before their metadata (moved aside)", scan.interruptedWrites.map(relative))
        section(&lines, "object metadata whose data file is missing", scan.missingData.map(relative))
        section(&lines, "superseded data files (garbage)", scan.superseded.map(relative))
        section(&lines, "leftover temporary files", scan.temporary.map(relative))
        section(&lines, "multipart upload folders without a readable record (kept)", scan.uploadsWithoutRecord.map(relative))
        section(&lines, "bucket folders without bucket.json or objects (ignored)", scan.bucketFoldersWithoutMetadata.map(relative))
        if loggedKeys > 0 {
            // Not a problem: a server stopped without its clean close leaves them, and a start
            // writes them into the files before anything below is repaired.
            let repaired = problemsTheLogRepairs > 0 ? " (so \(problemsTheLogRepairs) file(s) cut short or missing are not listed)" : ""
            lines.append("  \(loggedKeys) key(s) changed in the write-ahead log, written into the files first by the next start" + repaired)
        }
        if !scan.tornPackTails.isEmpty {
            // Not a problem: an append cut by a crash, which the next start appended again from the log.
            lines.append("  \(scan.tornPackTails.count) document pack(s) end in an append cut short (not counted as problems)")
        }
        if !scan.setAside.isEmpty {
            lines.append("  \(scan.setAside.count) file(s) set aside earlier in .mss/damaged (not counted as problems)")
        }
        lines.append(repairSummary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// What a start of the server would change.
    var repairSummary: String {
        if isClean { return "No problems found; nothing to repair." }
        if !scan.futureFormat.isEmpty {
            return "Would repair: nothing; this mss-server refuses to open the directory. Use a newer mss-server."
        }
        var actions: [String] = []
        if !scan.damaged.isEmpty { actions.append("move \(scan.damaged.count) damaged metadata file(s) to .mss/damaged/") }
        if !scan.interruptedWrites.isEmpty {
            actions.append("move \(scan.interruptedWrites.count) data file(s) of interrupted writes to .mss/damaged/")
        }
        let rebuilt = scan.buckets.values.filter { $0.rebuildReason != nil }.count
        if rebuilt > 0 { actions.append("write a fresh private bucket.json for \(rebuilt) bucket(s)") }
        if !scan.superseded.isEmpty { actions.append("delete \(scan.superseded.count) superseded data file(s)") }
        if !scan.temporary.isEmpty { actions.append("delete \(scan.temporary.count) temporary file(s)") }
        let kept = scan.unreferencedData.count + scan.missingData.count + scan.uploadsWithoutRecord.count
            + scan.bucketFoldersWithoutMetadata.count + scan.damagedPackEntries.count
        var summary = "Would repair: " + (actions.isEmpty ? "nothing" : actions.joined(separator: "; ")) + "."
        if kept > 0 {
            summary += " \(kept) item(s) listed as kept or ignored are left for you to inspect."
        }
        return summary
    }

    private func section(_ lines: inout [String], _ title: String, _ items: [String]) {
        guard !items.isEmpty else { return }
        lines.append("  \(title) (\(items.count)):")
        lines.append(contentsOf: items.map { "    \($0)" })
    }

    private func relative(_ path: String) -> String {
        let prefix = dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
