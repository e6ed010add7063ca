import Crypto
import FileChecksums
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFileSystem
import S3Protocol

extension S3Handler {
    func createUpload(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        var template = try Self.describedObject(request, key: key)
        // The upload's data key, wrapped, is kept with it: each part is sealed as it arrives.
        template.encryption = try await newEncryption(try RequestedEncryption.forWrite(request))?.encryption
        let record = try await store.createUpload(bucket: bucket, template: template)
        var response = ServerResponse.xml(InitiateMultipartUploadResult(bucket: bucket, key: key, uploadID: record.id))
        Self.addEncryptionHeaders(template.encryption, to: &response.headers)
        return response
    }

    private func partNumber(_ request: ServerRequest) throws -> Int {
        guard let text = request.query.value(for: "partNumber"), let number = Int(text), S3Limits.partNumbers.contains(number) else {
            throw S3ServerError.invalidArgument("Part number must be an integer between 1 and 10000, inclusive")
        }
        return number
    }

    private func uploadID(_ request: ServerRequest) throws -> String {
        guard let id = request.query.value(for: "uploadId"), !id.isEmpty else { throw S3ServerError.noSuchUpload("") }
        return id
    }

    func uploadPart(_ request: ServerRequest, bucket: String, key: String, authentication: Authentication) async throws -> Response {
        let number = try partNumber(request)
        let id = try uploadID(request)
        let upload = try await store.upload(id, bucket: bucket, key: key)
        // A part of an SSE-C upload carries the upload's key; S3 does not take one without it.
        let uploadEncryption = upload.template.encryption
        if uploadEncryption?.kind == .customer, try RequestedEncryption.customerKey(request, prefix: Self.customerPrefix) == nil {
            throw S3ServerError(
                .badRequest, .invalidRequest,
                "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
        }
        let partKey: SymmetricKey?
        do {
            partKey = try await dataKey(for: uploadEncryption, request: request)
        } catch let error as S3ServerError where error.code == .accessDenied {
            throw S3ServerError(.badRequest, .invalidRequest, "The provided encryption parameters did not match the ones used originally.")
        }
        let temporary = store.temporaryPath()
        var part: PartRecord
        var headers = HTTPFields()
        Self.addEncryptionHeaders(uploadEncryption, to: &headers)
        if request.header("x-amz-copy-source") != nil {
            let copied = try await copySource(request)
            let (sourceBucket, source) = (copied.bucket, copied.object)
            let sourceKey = try await dataKey(for: source.encryption, request: request, prefix: Self.copySourceCustomerPrefix)
            if copied.versioned { headers[.amzCopySourceVersionID] = source.versionIDText }
            var range: Range<Int64> = 0..<source.size
            if let rangeHeader = request.header("x-amz-copy-source-range") {
                guard let parsed = RangeHeader.resolveCopySourceRange(rangeHeader, size: source.size) else {
                    throw S3ServerError(.badRequest, .invalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy, within the source object of size \(source.size)")
                }
                range = parsed
            }
            // A part is at most 5 GiB, whichever way it arrives.
            guard range.upperBound - range.lowerBound <= S3Limits.maximumPutSize else { throw S3ServerError.copySourceTooLarge() }
            var md5 = ""
            var noncePrefix: String?
            try await store.withStoredBytesFile(bucket: sourceBucket, object: source) { sourcePath in
                if source.encryption != nil || partKey != nil {
                    let opening = source.encryption.flatMap { encryption in sourceKey.map { (encryption, $0) } }
                    let copiedBytes = try await transcode(from: sourcePath, opening: opening, range: range, to: temporary, sealingWith: partKey)
                    md5 = uploadEncryption?.kind == .customer ? copiedBytes.sealedMD5Hex ?? copiedBytes.plainMD5Hex : copiedBytes.plainMD5Hex
                    noncePrefix = copiedBytes.segment?.noncePrefix
                } else {
                    try await copyBytes(from: sourcePath, range: range, to: temporary)
                    do {
                        md5 = try await Self.md5Hex(ofFile: temporary)
                    } catch {
                        try? FileManager.default.removeItem(atPath: temporary)
                        throw S3ServerError.internalError("cannot read the copied part: \(error)")
                    }
                }
            }
            part = PartRecord(number: number, size: range.upperBound - range.lowerBound, etag: md5, lastModified: Date())
            part.noncePrefix = noncePrefix
            try await store.commitPart(part, upload: id, temporaryPath: temporary)
            var response = ServerResponse.xml(CopyPartResult(result: CopyResult(etag: "\"\(md5)\"", lastModified: part.lastModified)))
            response.headers.append(contentsOf: headers)
            return response
        }
        let body = try await BodyReceiver.receive(request, authentication: authentication, to: temporary, sealingWith: partKey)
        part = PartRecord(number: number, size: body.size, etag: body.md5Hex, lastModified: Date())
        if let sealed = body.sealed {
            part.noncePrefix = sealed.segment.noncePrefix
            // SSE-C: as for a PUT, the ETag is the MD5 of the sealed bytes, not of the plaintext.
            if uploadEncryption?.kind == .customer { part.etag = sealed.md5Hex }
        }
        try await store.commitPart(part, upload: id, temporaryPath: temporary)
        headers[.eTag] = "\"\(part.etag)\""
        Self.addChecksums(body.checksums, to: &headers)
        return ServerResponse.empty(.ok, headers: headers)
    }

    func listParts(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let id = try uploadID(request)
        _ = try await store.upload(id, bucket: bucket, key: key)
        let marker = try Self.intParameter(request.query, "part-number-marker", default: 0, range: 0...S3Limits.partNumbers.upperBound)
        let maxParts = try Self.intParameter(request.query, "max-parts", default: 1000, range: 0...Int.max)
        let all = await store.parts(of: id).filter { $0.number > marker }
        let page = Array(all.prefix(min(maxParts, 1000)))
        let truncated = all.count > page.count
        let result = ListPartsResult(
            bucket: bucket, key: key, uploadID: id, partNumberMarker: marker,
            nextPartNumberMarker: page.last?.number ?? marker, maxParts: maxParts, isTruncated: truncated,
            parts: page.map { .init(partNumber: $0.number, lastModified: $0.lastModified, etag: "\"\($0.etag)\"", size: $0.size) })
        return ServerResponse.xml(result)
    }

    func listUploads(_ request: ServerRequest, bucket: String) async throws -> Response {
        let q = request.query
        let prefix = q.value(for: "prefix") ?? ""
        let keyMarker = q.value(for: "key-marker") ?? ""
        let idMarker = q.value(for: "upload-id-marker") ?? ""
        let maxUploads = try Self.intParameter(q, "max-uploads", default: 1000, range: 0...Int.max)
        let all = try await store.uploads(bucket: bucket).filter { record in
            guard record.key.hasPrefix(prefix) else { return false }
            if keyMarker.isEmpty { return true }
            let key = Array(record.key.utf8)
            let marker = Array(keyMarker.utf8)
            if key == marker { return !idMarker.isEmpty && record.id > idMarker }
            return marker.lexicographicallyPrecedes(key)
        }
        let page = Array(all.prefix(min(maxUploads, 1000)))
        let truncated = all.count > page.count
        let result = ListMultipartUploadsResult(
            bucket: bucket, keyMarker: keyMarker, uploadIDMarker: idMarker, nextKeyMarker: truncated ? page.last?.key : nil,
            nextUploadIDMarker: truncated ? page.last?.id : nil, prefix: prefix.isEmpty ? nil : prefix,
            maxUploads: maxUploads, isTruncated: truncated,
            uploads: page.map { .init(key: $0.key, uploadID: $0.id, initiated: $0.initiated) })
        return ServerResponse.xml(result)
    }

    func abortUpload(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let id = try uploadID(request)
        _ = try await store.upload(id, bucket: bucket, key: key)
        await store.abortUpload(id)
        return ServerResponse.empty(.noContent)
    }

    func completeUpload(_ request: ServerRequest, bucket: String, key: String, authentication: Authentication) async throws -> Response {
        let id = try uploadID(request)
        let record = try await store.upload(id, bucket: bucket, key: key)
        let versioned = try await store.bucket(bucket).versioning != nil
        let precondition = try await checkedPrecondition(request, bucket: bucket, key: key)
        let document = try Self.parse(CompleteMultipartUpload.self, from: try await Self.collectDocument(request, verifyingPayload: authentication))
        let parts = try await store.beginCompletion(id, requested: document.parts)
        let temporary = store.temporaryPath()
        let stored: StoredObject
        do {
            var object = record.template
            object.size = 0
            for part in parts {
                let (sum, overflow) = object.size.addingReportingOverflow(part.size)
                // Checked before any byte is joined: S3 objects end at 5 TiB.
                guard !overflow, sum <= S3Limits.maximumObjectSize else {
                    throw S3ServerError(.badRequest, .entityTooLarge, "Your proposed upload exceeds the maximum allowed size")
                }
                object.size = sum
            }
            if var encryption = object.encryption {
                // No key is needed: the sealed parts are joined as they are, each its own segment.
                encryption.segments = try parts.map { part in
                    guard let prefix = part.noncePrefix else { throw S3ServerError.internalError("part \(part.number) of an encrypted upload is not sealed") }
                    return EncryptedSegment(size: part.size, noncePrefix: prefix)
                }
                object.encryption = encryption
            }
            do {
                try await store.joinParts(parts, upload: id, into: temporary, sealedChunkSize: object.encryption?.chunkSize)
            } catch {
                // Mostly an abort or another completion removing the parts meanwhile.
                guard await store.uploadExists(id) else { throw S3ServerError.noSuchUpload(id) }
                throw S3ServerError.internalError("cannot join the parts: \(error)")
            }
            object.etag = ObjectStore.multipartETag(parts)
            object.checksums = [:]
            stored = try await store.finishUpload(id, object: object, temporaryPath: temporary, precondition: precondition)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            await store.endCompletion(id)
            throw error
        }
        let location = "/\(bucket)/" + URIEncoding.encode(key, keepSlash: true)
        var response = ServerResponse.xml(CompleteMultipartUploadResult(location: location, bucket: bucket, key: key, etag: "\"\(stored.etag)\""))
        if versioned { response.headers[.amzVersionID] = stored.versionIDText }
        Self.addEncryptionHeaders(stored.encryption, to: &response.headers)
        return response
    }

    static func md5Hex(ofFile path: String) async throws -> String {
        Digests.hex(try await FileDigest.md5(ofFile: path))
    }
}
