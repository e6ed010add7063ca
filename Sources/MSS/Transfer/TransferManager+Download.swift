import Foundation
import Crypto
import NIOCore
import NIOFileSystem
import S3Protocol
import Synchronization

extension TransferManager {
    /// Downloads `key` to the file at `path` with parallel ranged GETs written at their offsets.
    ///
    /// Every ranged GET carries `If-Match` with the ETag seen first, so an object replaced
    /// mid-download fails with ``MSSClientError/Kind/integrityCheckFailed`` instead of mixing two
    /// versions. The bytes go to `path + ".mss-partial"` and replace `path` only once complete and
    /// verified (size, and MD5 when the ETag is one).
    ///
    /// - Parameters:
    ///   - versionID: a version other than the current one. Every ranged GET names it, so the
    ///     parts all come from that version even while newer ones are written; the `If-Match`
    ///     still guards against a version rewritten in place (the `null` version of a suspended
    ///     bucket).
    ///   - resumeFile: where to keep a ``DownloadResumeRecord``; an interrupted download of the
    ///     same object version (same version id and ETag) continues without fetching finished
    ///     parts again.
    ///   - customerKey: the SSE-C key of an object stored with one; every GET carries it.
    @discardableResult
    public func download(
        _ key: Key, toFile path: String, versionID: String? = nil, resumeFile: String? = nil,
        customerKey: CustomerKey? = nil, progress: TransferProgressHandler? = nil
    ) async throws -> ObjectInfo {
        try await download(
            key, toFile: path, versionID: versionID, knownSize: nil, resumeFile: resumeFile, customerKey: customerKey, progress: progress)
    }

    /// `knownSize` comes from a listing: objects that fit in one part then take a single GET
    /// (streamed to the file and MD5-checked) instead of HEAD plus ranged GET.
    func download(
        _ key: Key, toFile path: String, versionID: String? = nil, knownSize: Int64?, resumeFile: String?,
        customerKey: CustomerKey? = nil, progress: TransferProgressHandler?
    ) async throws -> ObjectInfo {
        if let versionID { try Key.validate(versionID: versionID) }
        if let knownSize, knownSize <= configuration.partSize, resumeFile == nil {
            let info = try await key.contents(toFile: path, versionID: versionID, customerKey: customerKey)
            ProgressMeter(total: info.size, alreadyDone: info.size, handler: progress).report()
            return info
        }
        guard let info = try await key.info(versionID: versionID, customerKey: customerKey) else {
            if let versionID {
                throw S3Error(
                    status: 404, code: "NoSuchVersion", message: "\(key.name) has no version \(versionID)", resource: key.name)
            }
            throw S3Error(status: 404, code: .noSuchKey, message: "\(key.name) does not exist", resource: key.name)
        }
        guard let etag = info.etag else { throw MSSClientError(.invalidResponse, "\(key.name) has no ETag") }
        let size = info.size
        let partSize = configuration.partSize(forObjectOf: size)
        let partCount = max(1, Int((size + partSize - 1) / partSize))
        let partial = path + ".mss-partial"

        var record = DownloadResumeRecord(
            bucket: key.bucket.name, key: key.name, etag: etag, size: size, partSize: partSize, partialPath: partial,
            finishedParts: [], versionID: versionID)
        if let saved = ResumeFile.load(DownloadResumeRecord.self, from: resumeFile), saved.bucket == record.bucket,
            saved.key == record.key, saved.versionID == versionID, saved.etag == etag, saved.size == size, saved.partSize == partSize,
            saved.partialPath == partial, FileManager.default.fileExists(atPath: partial)
        {
            // A record is a file anyone could have edited: only part numbers this object has count.
            record.finishedParts = saved.finishedParts.filter { (1...partCount).contains($0) }
        } else {
            try? FileManager.default.removeItem(atPath: partial)
        }
        try ResumeFile.save(record, to: resumeFile)

        let handle: ReadWriteFileHandle
        do {
            handle = try await FileSystem.shared.openFile(
                forReadingAndWritingAt: FilePath(partial), options: .modifyFile(createIfNecessary: true))
        } catch {
            throw MSSClientError(.fileError, "cannot write \(partial): \(error)")
        }
        let alreadyDone = record.finishedParts.reduce(Int64(0)) { total, number in
            total + min(partSize, size - Int64(number - 1) * partSize)
        }
        let meter = ProgressMeter(total: size, alreadyDone: alreadyDone, handler: progress)
        let finished = Mutex(record)
        do {
            try await handle.resize(to: .bytes(size))
            let remaining = (1...partCount).filter { !record.finishedParts.contains($0) }
            try await Self.forEach(remaining, limit: configuration.concurrency) { number in
                let offset = Int64(number - 1) * partSize
                let length = min(partSize, size - offset)
                guard length > 0 else { return }
                try await Self.fetch(
                    key, versionID: versionID, part: number, range: offset...(offset + length - 1), etag: etag,
                    customerKey: customerKey, into: handle, meter: meter,
                    advice: resumeFile == nil
                        ? "the partial download was removed; try again"
                        : "the parts finished so far are kept; run the same download again to resume")
                let snapshot = finished.withLock { record in
                    record.finishedParts.insert(number)
                    return record
                }
                try ResumeFile.save(snapshot, to: resumeFile)
            }
            // An SSE-C object's ETag is not the MD5 of its content.
            if configuration.verifyDownloads, Key.isPlainMD5(etag), info.customerKeyMD5 == nil {
                let md5 = try await Key.md5Base64(ofFile: partial, offset: 0, length: size)
                guard Data(base64Encoded: md5).map({ Digests.hex($0) }) == etag.lowercased() else {
                    await Self.close(handle)
                    try? FileManager.default.removeItem(atPath: partial)
                    ResumeFile.remove(resumeFile)
                    throw MSSClientError(.integrityCheckFailed, "MD5 of the downloaded \(key.name) does not match its ETag")
                }
            }
            try await handle.synchronize()
            await Self.close(handle)
        } catch {
            await Self.close(handle)
            if resumeFile == nil || Task.isCancelled {
                try? FileManager.default.removeItem(atPath: partial)
                ResumeFile.remove(resumeFile)
            }
            throw error
        }
        guard rename(partial, path) == 0 else {
            throw MSSClientError(.fileError, "cannot move the download into \(path)")
        }
        ResumeFile.remove(resumeFile)
        meter.report()
        return info
    }

    /// Closes `handle` even from a cancelled task: NIO's handles must be closed before they go.
    static func close(_ handle: ReadWriteFileHandle) async {
        await Task { try? await handle.close() }.value
    }

    /// GETs `range` of `key` (of `versionID` when given) with `If-Match` and writes it at the
    /// range's offset, resuming the body where it stopped when the connection breaks
    /// (``ResumableBody``, which asks again with the same query, so with the same version).
    static func fetch(
        _ key: Key, versionID: String? = nil, part: Int = 1, range: ClosedRange<Int64>, etag: String,
        customerKey: CustomerKey? = nil, into handle: ReadWriteFileHandle, meter: ProgressMeter, advice: String = "try again"
    ) async throws {
        var request = try key.request("GET", versionID: versionID)
        customerKey?.addHeaders(to: &request.headers)
        request.headers.add("Range", ByteRange.bounded(range).headerValue)
        request.headers.add("If-Match", "\"\(etag)\"")
        let expected = Int64(range.count)
        var body: ResumableBody
        do {
            body = try await ResumableBody(connection: key.connection, request: request, describing: "part \(part) of \(key.name)")
        } catch let error as S3Error where error.status == 412 {
            let which = versionID.map { "version \($0) of \(key.name)" } ?? key.name
            throw MSSClientError(.integrityCheckFailed, "\(which) changed during the download (its ETag is no longer \(etag))")
        }
        // Writing anything but the asked-for range would land on other parts' bytes.
        guard body.offset == range.lowerBound, body.length == expected else {
            throw MSSClientError(
                .invalidResponse,
                "asked for bytes \(range.lowerBound)-\(range.upperBound) of \(key.name), the server sent \(body.length.map(String.init) ?? "an unknown number of") bytes from \(body.offset)")
        }
        var offset = range.lowerBound
        let received = try await body.stream(advice: advice) { chunk in
            try await handle.write(contentsOf: chunk, toAbsoluteOffset: offset)
            offset += Int64(chunk.readableBytes)
            meter.add(Int64(chunk.readableBytes))
        }
        guard received == expected else {
            throw MSSClientError(.integrityCheckFailed, "expected \(expected) bytes of \(key.name) at \(range.lowerBound), got \(received)")
        }
    }
}
