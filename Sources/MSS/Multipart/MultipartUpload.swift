public import Foundation
import NIOCore
public import S3Protocol
import NIOHTTP1

/// A multipart upload in progress: the counterpart of `mssapi`'s `MultiPartUpload`.
///
/// ```swift
/// let upload = try await bucket.initiateMultipartUpload("multipartkey")
/// for (index, path) in chunkPaths.enumerated() {
///     try await upload.uploadPart(partNumber: index + 1, fromFile: path)
/// }
/// try await upload.complete()
/// ```
public struct MultipartUpload: Sendable, Hashable {
    public let bucket: Bucket
    public let key: String
    public let uploadID: String
    /// The SSE-C key of an upload started with one: S3 needs it on every part. Set by
    /// ``Bucket/initiateMultipartUpload(_:options:)`` from the options' encryption.
    public var customerKey: CustomerKey?

    public init(bucket: Bucket, key: String, uploadID: String, customerKey: CustomerKey? = nil) {
        self.bucket = bucket
        self.key = key
        self.uploadID = uploadID
        self.customerKey = customerKey
    }

    /// S3's part numbers run from 1 to 10,000.
    public static let partNumbers = S3Limits.partNumbers

    func partRequest(_ method: String, partNumber: Int) throws -> S3Request {
        guard Self.partNumbers.contains(partNumber) else {
            throw MSSClientError.invalidArgument("part number \(partNumber) is outside 1...10000")
        }
        var request = try Key(bucket: bucket, name: key).request(
            method, query: [QueryItem("partNumber", String(partNumber)), QueryItem("uploadId", uploadID)])
        customerKey?.addHeaders(to: &request.headers)
        return request
    }

    /// Uploads `data` as part `partNumber` (with Content-MD5) and returns what ``complete(parts:conditions:)`` needs.
    @discardableResult
    public func uploadPart(partNumber: Int, data: Data) async throws -> CompletedPart {
        var request = try partRequest("PUT", partNumber: partNumber)
        request.headers.add("Content-MD5", Digests.md5Base64(data))
        request.body = .bytes(ByteBuffer(bytes: data))
        return try await send(request, partNumber: partNumber)
    }

    /// Uploads `length` bytes of the file at `path` from `offset` (the whole file by default) as
    /// part `partNumber`, streamed from disk (`upload_part_from_file`).
    @discardableResult
    public func uploadPart(partNumber: Int, fromFile path: String, offset: Int64 = 0, length: Int64? = nil)
        async throws -> CompletedPart
    {
        _ = try partRequest("PUT", partNumber: partNumber)
        let size = try await Key.fileSize(path)
        let count = length ?? (size - offset)
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw MSSClientError.invalidArgument("bytes \(offset)..<\(offset + count) are outside \(path) (\(size) bytes)")
        }
        return try await uploadPart(partNumber: partNumber, fromFile: path, offset: offset, length: count, onBytesSent: nil)
    }

    func send(_ request: S3Request, partNumber: Int) async throws -> CompletedPart {
        let response = try await bucket.connection.send(request)
        guard let etag = response.headers.first(name: "ETag") else {
            throw MSSClientError(.invalidResponse, "part \(partNumber) of \(key) was stored without an ETag")
        }
        return CompletedPart(partNumber: partNumber, etag: etag)
    }

    /// Every part uploaded so far, across all pages, in part order.
    public func listParts() async throws -> [ListPartsResult.Part] {
        var parts: [ListPartsResult.Part] = []
        var marker: Int?
        while true {
            var query = [QueryItem("uploadId", uploadID)]
            if let marker { query.append(QueryItem("part-number-marker", String(marker))) }
            let request = try Key(bucket: bucket, name: key).request("GET", query: query)
            let page = try bucket.connection.decode(ListPartsResult.self, from: try await bucket.connection.send(request))
            parts += page.parts
            // Markers must move forward (they are at most 10,000), so a hostile server cannot page forever.
            guard page.isTruncated, let next = page.nextPartNumberMarker ?? page.parts.last?.partNumber, next > (marker ?? 0)
            else { return parts }
            marker = next
        }
    }

    /// Assembles the object from `parts`; when nil, from every part the server has
    /// (`complete_upload`). Returns the final ETag and, in a versioned bucket, the new version's id.
    ///
    /// `conditions` make the completion conditional like a PUT (``ObjectConditions/ifAbsent``:
    /// only if the key is still free); a failed one throws ``S3Error`` 412 `PreconditionFailed`
    /// and leaves the upload in place.
    @discardableResult
    public func complete(parts: [CompletedPart]? = nil, conditions: ObjectConditions? = nil) async throws -> PutResult {
        try conditions?.validateForWrite()
        let chosen: [CompletedPart]
        if let parts {
            chosen = parts.sorted { $0.partNumber < $1.partNumber }
        } else {
            chosen = try await listParts().map { CompletedPart(partNumber: $0.partNumber, etag: $0.etag) }
        }
        guard !chosen.isEmpty else { throw MSSClientError.invalidArgument("a multipart upload needs at least one part") }
        var request = try Key(bucket: bucket, name: key).request("POST", query: [QueryItem("uploadId", uploadID)])
        let body = Array(CompleteMultipartUpload(parts: chosen).xml().serialized().utf8)
        request.headers.add("Content-Type", "application/xml")
        try conditions?.applyToWrite(&request.headers)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: S3Response
        do {
            response = try await bucket.connection.send(request)
        } catch let error as S3Error where error.code == .noSuchUpload {
            // A retried completion finds the upload gone when the first attempt completed it and
            // only its answer was lost: the object then carries exactly these parts' ETag.
            if let expected = Self.compositeETag(of: chosen), let info = try await Key(bucket: bucket, name: key).info(customerKey: customerKey),
                info.etag == expected
            {
                return PutResult(etag: expected, versionID: info.versionID)
            }
            throw error
        }
        try response.throwIfErrorBody()
        let result = try bucket.connection.decode(CompleteMultipartUploadResult.self, from: response)
        var etag = ObjectInfo.unquoted(result.etag)
        if etag.isEmpty {
            // Ceph RGW 16 answers with an empty <ETag>; the object's HEAD has the real one.
            etag = try await Key(bucket: bucket, name: key).info(customerKey: customerKey)?.etag ?? ""
        }
        return PutResult(etag: etag, versionID: response.headers.first(name: "x-amz-version-id"))
    }

    /// The ETag S3 gives an object completed from `parts`: the MD5 of their binary MD5s, a dash
    /// and their count; nil when a part's ETag is not a plain MD5 (encrypted uploads, say).
    static func compositeETag(of parts: [CompletedPart]) -> String? {
        Digests.multipartETag(partETags: parts.map(\.etag))
    }

    /// Aborts the upload and lets the server drop its parts (`cancel_upload`).
    public func cancel() async throws {
        _ = try await bucket.connection.send(try Key(bucket: bucket, name: key).request("DELETE", query: [QueryItem("uploadId", uploadID)]))
    }
}

/// A multipart upload as ListMultipartUploads shows it.
public struct MultipartUploadSummary: Sendable, Hashable {
    public var key: String
    public var uploadID: String
    public var initiated: Date?
}

extension Bucket {
    /// Starts a multipart upload of `key` (`initiate_multipart_upload`).
    public func initiateMultipartUpload(_ key: String, options: PutOptions = PutOptions()) async throws
        -> MultipartUpload
    {
        var request = try Key(bucket: self, name: key).request("POST", query: [QueryItem("uploads")])
        request.headers = options.headers
        let response = try await connection.send(request)
        let result = try connection.decode(InitiateMultipartUploadResult.self, from: response)
        return MultipartUpload(bucket: self, key: key, uploadID: result.uploadID, customerKey: options.serverSideEncryption?.customerKey)
    }

    /// The multipart uploads in progress under `prefix`, across all pages.
    public func multipartUploads(prefix: String? = nil) async throws -> [MultipartUploadSummary] {
        var uploads: [MultipartUploadSummary] = []
        var keyMarker: String?
        var uploadMarker: String?
        while true {
            var query = [QueryItem("uploads")]
            if let prefix { query.append(QueryItem("prefix", prefix)) }
            if let keyMarker { query.append(QueryItem("key-marker", keyMarker)) }
            if let uploadMarker { query.append(QueryItem("upload-id-marker", uploadMarker)) }
            let response = try await connection.send(S3Request(method: "GET", bucket: name, query: query))
            let page = try connection.decode(ListMultipartUploadsResult.self, from: response)
            uploads += page.uploads.map { MultipartUploadSummary(key: $0.key, uploadID: $0.uploadID, initiated: $0.initiated) }
            guard page.isTruncated, page.nextKeyMarker != nil, page.nextKeyMarker != keyMarker || page.nextUploadIDMarker != uploadMarker
            else { return uploads }
            keyMarker = page.nextKeyMarker
            uploadMarker = page.nextUploadIDMarker
        }
    }
}
