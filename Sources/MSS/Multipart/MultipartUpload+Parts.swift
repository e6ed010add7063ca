import Foundation
public import NIOCore
public import S3Protocol
import NIOHTTP1

extension MultipartUpload {
    /// Uploads the bytes of `buffer` as part `partNumber` (with Content-MD5). The buffer is sent as
    /// it is, not copied, so a streaming upload holds each part in memory once.
    @discardableResult
    public func uploadPart(partNumber: Int, buffer: ByteBuffer) async throws -> CompletedPart {
        var request = try partRequest("PUT", partNumber: partNumber)
        request.headers.add("Content-MD5", buffer.withUnsafeReadableBytes { Digests.md5Base64($0) })
        request.body = .bytes(buffer)
        return try await send(request, partNumber: partNumber)
    }

    /// Collects `bytes` (at most 5 GiB, S3's part limit) and uploads them as part `partNumber`.
    @discardableResult
    public func uploadPart<Bytes: AsyncSequence>(partNumber: Int, from bytes: Bytes) async throws -> CompletedPart
    where Bytes.Element == ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in bytes {
            collected.writeBuffer(&chunk)
            if collected.readableBytes > S3Limits.maximumPutSize {
                throw MSSClientError.invalidArgument("a part may hold at most 5 GiB")
            }
        }
        return try await uploadPart(partNumber: partNumber, buffer: collected)
    }

    /// Copies `range` of `source` (the whole object when nil) into part `partNumber`, server-side.
    /// `sourceCustomerKey` is the SSE-C key of `source`, when it is stored with one; the part is
    /// encrypted as the upload is (with `customerKey` for an SSE-C upload).
    @discardableResult
    public func uploadPartCopy(
        partNumber: Int, source: Key, range: ClosedRange<Int64>? = nil, sourceCustomerKey: CustomerKey? = nil
    ) async throws -> CompletedPart {
        guard Self.partNumbers.contains(partNumber) else {
            throw MSSClientError.invalidArgument("part number \(partNumber) is outside 1...10000")
        }
        try Key.validate(source.name)
        var request = try Key(bucket: bucket, name: key).request(
            "PUT", query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)])
        request.headers.add("x-amz-copy-source", "/\(source.bucket.name)/" + URIEncoding.encode(source.name, keepSlash: true))
        if let range { request.headers.add("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)") }
        customerKey?.addHeaders(to: &request.headers)
        sourceCustomerKey?.addCopySourceHeaders(to: &request.headers)
        let response = try await bucket.connection.send(request)
        try response.throwIfErrorBody()
        let result = try bucket.connection.decode(CopyPartResult.self, from: response)
        return CompletedPart(partNumber: partNumber, etag: result.result.etag)
    }

    /// Part upload from a file region reporting bytes as they are sent, for the transfer manager.
    func uploadPart(
        partNumber: Int, fromFile path: String, offset: Int64, length: Int64, onBytesSent: (@Sendable (Int64) -> Void)?
    ) async throws -> CompletedPart {
        var request = try Key(bucket: bucket, name: key).request(
            "PUT", query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)])
        request.headers.add("Content-MD5", try await Key.md5Base64(ofFile: path, offset: offset, length: length))
        customerKey?.addHeaders(to: &request.headers)
        request.body = .file(path: path, offset: offset, length: length)
        request.onBytesSent = onBytesSent
        let response = try await bucket.connection.send(request)
        guard let etag = response.headers.first(name: "ETag") else {
            throw MSSClientError(.invalidResponse, "part \(partNumber) of \(key) was stored without an ETag")
        }
        return CompletedPart(partNumber: partNumber, etag: etag)
    }
}
