import Foundation
import S3Protocol

extension TransferManager {
    /// S3's largest single-request copy.
    public static let maximumSingleCopy = S3Limits.maximumPutSize

    /// Copies `source` to `destination` on the server: one CopyObject up to `singleCopyLimit`
    /// (5 GiB, S3's limit), parallel UploadPartCopy ranges above it. Metadata is kept.
    ///
    /// - Parameter versionID: a version of `source` other than the current one. Each part copy
    ///   names it, so a version too big for one CopyObject is still copied on the server. Every
    ///   part also carries `x-amz-copy-source-if-match` with the ETag read first, so on servers
    ///   that honour it there (S3, mss-server; Ceph RGW ignores it) a source replaced, or a `null`
    ///   version rewritten, mid-copy fails with ``MSSClientError/Kind/integrityCheckFailed``
    ///   instead of joining parts of two objects.
    /// - Parameter encryption: how the copy is encrypted at rest (none when nil, as in S3).
    /// - Parameter sourceCustomerKey: the SSE-C key of `source`, when it is stored with one.
    @discardableResult
    public func copy(
        _ source: Key, to destination: Key, versionID: String? = nil, singleCopyLimit: Int64 = maximumSingleCopy,
        encryption: ServerSideEncryption? = nil, sourceCustomerKey: CustomerKey? = nil
    ) async throws -> PutResult {
        if let versionID { try Key.validate(versionID: versionID) }
        guard let info = try await source.info(versionID: versionID, customerKey: sourceCustomerKey) else {
            if let versionID {
                throw S3Error(
                    status: 404, code: "NoSuchVersion", message: "\(source.name) has no version \(versionID)", resource: source.name)
            }
            throw S3Error(status: 404, code: .noSuchKey, message: "\(source.name) does not exist", resource: source.name)
        }
        if info.size <= singleCopyLimit {
            let copied = try await source.copy(
                toBucket: destination.bucket.name, key: destination.name, versionID: versionID, encryption: encryption,
                sourceCustomerKey: sourceCustomerKey)
            var result = copied.copyResult ?? PutResult(etag: nil)
            // A server that leaves the copy's ETag empty still has the object's own.
            if result.etag?.isEmpty ?? true { result.etag = try await copied.info(customerKey: encryption?.customerKey)?.etag }
            return result
        }
        var options = PutOptions(contentType: info.contentType, metadata: info.metadata)
        options.cacheControl = info.cacheControl
        options.contentDisposition = info.contentDisposition
        options.contentEncoding = info.contentEncoding
        options.contentLanguage = info.contentLanguage
        options.serverSideEncryption = encryption
        let upload = try await destination.bucket.initiateMultipartUpload(destination.name, options: options)
        let partSize = configuration.partSize(forObjectOf: info.size)
        let count = Int((info.size + partSize - 1) / partSize)
        let parts = PartCollector()
        do {
            try await Self.forEach(1...count, limit: configuration.concurrency) { number in
                let start = Int64(number - 1) * partSize
                let end = min(info.size, start + partSize) - 1
                parts.add(
                    try await Self.copyPart(
                        number, of: source, versionID: versionID, etag: info.etag, range: start...end, into: upload,
                        sourceCustomerKey: sourceCustomerKey))
            }
            var result = try await upload.complete(parts: parts.all)
            result.sourceVersionID = info.versionID ?? versionID
            return result
        } catch {
            await Self.abort(upload)
            throw error
        }
    }

    /// UploadPartCopy of `range` of `source` (of `versionID` when given) into part `number` of
    /// `upload`, on condition that the source still has `etag`.
    static func copyPart(
        _ number: Int, of source: Key, versionID: String?, etag: String?, range: ClosedRange<Int64>, into upload: MultipartUpload,
        sourceCustomerKey: CustomerKey? = nil
    ) async throws -> CompletedPart {
        var request = try Key(bucket: upload.bucket, name: upload.key).request(
            "PUT", query: [QueryItem("partNumber", String(number)), QueryItem("uploadId", upload.uploadID)])
        var copySource = "/\(source.bucket.name)/" + URIEncoding.encode(source.name, keepSlash: true)
        if let versionID { copySource += "?versionId=" + URIEncoding.encode(versionID) }
        request.headers.add("x-amz-copy-source", copySource)
        request.headers.add("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)")
        if let etag { request.headers.add("x-amz-copy-source-if-match", "\"\(etag)\"") }
        upload.customerKey?.addHeaders(to: &request.headers)
        sourceCustomerKey?.addCopySourceHeaders(to: &request.headers)
        let which = versionID.map { "version \($0) of \(source.name)" } ?? source.name
        do {
            let response = try await upload.bucket.connection.send(request)
            try response.throwIfErrorBody()
            let result = try upload.bucket.connection.decode(CopyPartResult.self, from: response)
            return CompletedPart(partNumber: number, etag: result.result.etag)
        } catch let error as S3Error where error.status == 412 {
            throw MSSClientError(.integrityCheckFailed, "\(which) changed during the copy (its ETag is no longer \(etag ?? "-"))")
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
