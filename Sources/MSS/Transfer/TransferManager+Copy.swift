import Foundation
import S3Protocol

extension TransferManager {
    /// S3's largest single-request copy.
    public static let maximumSingleCopy = S3Limits.maximumPutSize

    /// Copies `source` to `destination` on the server: one CopyObject up to `singleCopyLimit`
    /// (5 GiB, S3's limit), parallel UploadPartCopy ranges above it. Metadata is kept.
    @discardableResult
    public func copy(_ source: Key, to destination: Key, singleCopyLimit: Int64 = maximumSingleCopy) async throws -> PutResult {
        guard let info = try await source.info() else {
            throw S3Error(status: 404, code: .noSuchKey, message: "\(source.name) does not exist", resource: source.name)
        }
        if info.size <= singleCopyLimit {
            let copied = try await source.copy(toBucket: destination.bucket.name, key: destination.name)
            var result = copied.copyResult ?? PutResult(etag: nil)
            // A server that leaves the copy's ETag empty still has the object's own.
            if result.etag?.isEmpty ?? true { result.etag = try await copied.info()?.etag }
            return result
        }
        var options = PutOptions(contentType: info.contentType, metadata: info.metadata)
        options.cacheControl = info.cacheControl
        options.contentDisposition = info.contentDisposition
        options.contentEncoding = info.contentEncoding
        options.contentLanguage = info.contentLanguage
        let upload = try await destination.bucket.initiateMultipartUpload(destination.name, options: options)
        let partSize = configuration.partSize(forObjectOf: info.size)
        let count = Int((info.size + partSize - 1) / partSize)
        let parts = PartCollector()
        do {
            try await Self.forEach(1...count, limit: configuration.concurrency) { number in
                let start = Int64(number - 1) * partSize
                let end = min(info.size, start + partSize) - 1
                parts.add(try await upload.uploadPartCopy(partNumber: number, source: source, range: start...end))
            }
            return try await upload.complete(parts: parts.all)
        } catch {
            await Self.abort(upload)
            throw error
        }
    }
}

/// Parts finished by concurrent tasks.
final class PartCollector: Sendable {
    private let parts = Mutex<[CompletedPart]>([])
    func add(_ part: CompletedPart) { parts.withLock { $0.append(part) } }
    var all: [CompletedPart] { parts.withLock { $0 } }
}

import Synchronization
