import Foundation
public import NIOCore
import NIOFileSystem
import S3Protocol
import Synchronization

extension TransferManager {
    /// Files up to this size are read into memory whole instead of being streamed.
    static let inMemoryLimit: Int64 = 1 << 20

    /// Uploads the file at `path` to `key`: one PUT below the multipart threshold, parallel parts
    /// above it.
    ///
    /// - Parameters:
    ///   - resumeFile: where to keep a ``UploadResumeRecord``. When it exists and matches the file,
    ///     the upload continues where it stopped (also in another process) without sending finished
    ///     parts again; it is removed on success.
    ///   - progress: told the bytes sent so far.
    /// - Cancelling the task aborts the multipart upload, so no parts are left behind; other
    ///   failures keep it for resuming when a `resumeFile` is given, and abort it otherwise.
    @discardableResult
    public func upload(
        file path: String, to key: Key, options: PutOptions = PutOptions(), resumeFile: String? = nil,
        progress: TransferProgressHandler? = nil
    ) async throws -> PutResult {
        try Key.validate(key.name)
        let size = try await Key.fileSize(path)
        if size <= Self.inMemoryLimit {
            // Small files: one read serves both the Content-MD5 and the body.
            let meter = ProgressMeter(total: size, handler: progress)
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw MSSClientError(.fileError, "cannot read \(path): \(error)")
            }
            let result = try await key.setContents(data, options: options)
            meter.add(Int64(data.count))
            return result
        }
        if size <= configuration.multipartThreshold {
            let meter = ProgressMeter(total: size, handler: progress)
            let result = try await key.setContents(fromFile: path, size: size, options: options, onBytesSent: { meter.add($0) })
            meter.report()
            return result
        }

        let partSize = configuration.partSize(forObjectOf: size)
        let partCount = Int((size + partSize - 1) / partSize)
        let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)?
            .timeIntervalSince1970 ?? 0
        var record: UploadResumeRecord
        var upload: MultipartUpload
        if let saved = ResumeFile.load(UploadResumeRecord.self, from: resumeFile), saved.bucket == key.bucket.name,
            saved.key == key.name, saved.filePath == path, saved.fileSize == size, saved.fileModified == modified,
            saved.partSize == partSize
        {
            upload = MultipartUpload(
                bucket: key.bucket, key: key.name, uploadID: saved.uploadID, customerKey: options.serverSideEncryption?.customerKey)
            record = saved
            // A record is a file anyone could have edited: only part numbers this file has count.
            record.parts = record.parts.filter { (1...partCount).contains($0.key) }
            // Trust only parts the server still has, with the ETag that was recorded.
            if let stored = try? await upload.listParts() {
                let onServer = Dictionary(stored.map { ($0.partNumber, ObjectInfo.unquoted($0.etag)) }, uniquingKeysWith: { a, _ in a })
                record.parts = record.parts.filter { onServer[$0.key] == ObjectInfo.unquoted($0.value) }
            } else {
                upload = try await key.bucket.initiateMultipartUpload(key.name, options: options)
                record.uploadID = upload.uploadID
                record.parts = [:]
            }
        } else {
            upload = try await key.bucket.initiateMultipartUpload(key.name, options: options)
            record = UploadResumeRecord(
                bucket: key.bucket.name, key: key.name, uploadID: upload.uploadID, filePath: path, fileSize: size,
                fileModified: modified, partSize: partSize, parts: [:])
        }
        try ResumeFile.save(record, to: resumeFile)

        let finished = Mutex(record)
        let alreadyDone = record.parts.keys.reduce(Int64(0)) { total, number in
            total + min(partSize, size - Int64(number - 1) * partSize)
        }
        let meter = ProgressMeter(total: size, alreadyDone: alreadyDone, handler: progress)
        let remaining = (1...partCount).filter { record.parts[$0] == nil }
        let activeUpload = upload
        do {
            try await Self.forEach(remaining, limit: configuration.concurrency) { number in
                let offset = Int64(number - 1) * partSize
                let length = min(partSize, size - offset)
                let part = try await activeUpload.uploadPart(
                    partNumber: number, fromFile: path, offset: offset, length: length, onBytesSent: { meter.add($0) })
                let snapshot = finished.withLock { record in
                    record.parts[number] = part.etag
                    return record
                }
                try ResumeFile.save(snapshot, to: resumeFile)
            }
            let parts = finished.withLock { $0.parts }.map { CompletedPart(partNumber: $0.key, etag: $0.value) }
            let result = try await upload.complete(parts: parts)
            ResumeFile.remove(resumeFile)
            meter.report()
            return result
        } catch {
            if Task.isCancelled || error is CancellationError || resumeFile == nil {
                await Self.abort(activeUpload)
                ResumeFile.remove(resumeFile)
            }
            throw error
        }
    }

    /// ``upload(file:to:options:resumeFile:progress:)`` of a file whose size a directory walk
    /// already told: a small one is read and sent at once, without asking the disk for its size
    /// again. A file that has grown past the in-memory limit since takes the usual way.
    func upload(file path: String, knownSize: Int64?, to key: Key, options: PutOptions) async throws -> PutResult {
        guard let knownSize, knownSize <= Self.inMemoryLimit else {
            return try await upload(file: path, to: key, options: options, resumeFile: nil, progress: nil)
        }
        try Key.validate(key.name)
        guard let data = try SmallFileRead.contents(of: path, limit: Int(Self.inMemoryLimit)) else {
            return try await upload(file: path, to: key, options: options, resumeFile: nil, progress: nil)
        }
        return try await key.setContents(data, options: options)
    }

    /// Uploads a stream of bytes of unknown length: one PUT when it ends below the multipart
    /// threshold, parts otherwise. Memory stays within about `partSize` × (`concurrency` + 1).
    @discardableResult
    public func upload<Bytes: AsyncSequence & Sendable>(
        stream bytes: Bytes, to key: Key, options: PutOptions = PutOptions(), progress: TransferProgressHandler? = nil
    ) async throws -> PutResult where Bytes.Element == ByteBuffer {
        try Key.validate(key.name)
        let partSize = Int(configuration.partSize)
        let meter = ProgressMeter(total: Int64.max, handler: progress)
        var iterator = bytes.makeAsyncIterator()
        var first = ByteBuffer()
        while first.readableBytes <= max(partSize, Int(configuration.multipartThreshold)), var chunk = try await iterator.next() {
            first.writeBuffer(&chunk)
        }
        guard first.readableBytes > Int(configuration.multipartThreshold) else {
            let result = try await key.setContents(Data(first.readableBytesView), options: options)
            meter.add(Int64(first.readableBytes))
            return result
        }
        let upload = try await key.bucket.initiateMultipartUpload(key.name, options: options)
        do {
            let parts = try await withThrowingTaskGroup(of: CompletedPart.self) { group in
                var parts: [CompletedPart] = []
                var running = 0
                var number = 0
                var pending = first
                var ended = false
                while !ended || pending.readableBytes > 0 {
                    while !ended && pending.readableBytes < partSize {
                        if var chunk = try await iterator.next() { pending.writeBuffer(&chunk) } else { ended = true }
                    }
                    guard pending.readableBytes > 0 else { break }
                    let piece = pending.readSlice(length: min(partSize, pending.readableBytes)) ?? ByteBuffer()
                    pending.discardReadBytes()
                    number += 1
                    if running == configuration.concurrency, let done = try await group.next() {
                        parts.append(done)
                        running -= 1
                    }
                    let partNumber = number
                    group.addTask {
                        let part = try await upload.uploadPart(partNumber: partNumber, buffer: piece)
                        meter.add(Int64(piece.readableBytes))
                        return part
                    }
                    running += 1
                }
                for try await done in group { parts.append(done) }
                return parts
            }
            return try await upload.complete(parts: parts)
        } catch {
            await Self.abort(upload)
            throw error
        }
    }

    /// Aborts `upload`, also from a cancelled task: the abort must still reach the server.
    static func abort(_ upload: MultipartUpload) async {
        await Task { try? await upload.cancel() }.value
    }
}
