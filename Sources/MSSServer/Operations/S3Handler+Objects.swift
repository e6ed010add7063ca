import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFileSystem
import S3Protocol

extension S3Handler {
    static let contentHeaderNames = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"]

    /// The object a PUT, copy with REPLACE, or multipart initiation describes in its headers.
    static func describedObject(_ request: ServerRequest, key: String) throws -> StoredObject {
        var contentHeaders: [String: String] = [:]
        for name in contentHeaderNames {
            if var value = request.header(name) {
                if name == "content-encoding" {
                    // aws-chunked frames the upload; it is not part of the stored object.
                    value = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { $0 != "aws-chunked" }.joined(separator: ",")
                    if value.isEmpty { continue }
                }
                contentHeaders[name] = value
            }
        }
        var metadata: [String: String] = [:]
        var metadataBytes = 0
        for field in request.headers where field.name.lowercased().hasPrefix("x-amz-meta-") {
            let name = String(field.name.lowercased().dropFirst("x-amz-meta-".count))
            metadata[name] = request.header(field.name)
            metadataBytes += name.utf8.count + field.value.utf8.count
        }
        guard metadataBytes <= 2048 else {
            throw S3ServerError(.badRequest, .metadataTooLarge, "Your metadata headers exceed the maximum allowed metadata size.")
        }
        var object = StoredObject(
            key: key, size: 0, etag: "", lastModified: Date(), contentType: request.header("content-type"),
            contentHeaders: contentHeaders, metadata: metadata, acl: request.newACL ?? .private, checksums: [:], version: "")
        object.tags = try headerTags(request)
        return object
    }

    /// The largest PUT body held in memory instead of written to a temporary file.
    static let heldBodyLimit = 64 << 10

    func putObject(_ request: ServerRequest, bucket: String, key: String, authentication: Authentication) async throws -> Response {
        let versioned = try await store.bucket(bucket).versioning != nil
        var object = try Self.describedObject(request, key: key)
        let encryption = try await newEncryption(try RequestedEncryption.forWrite(request))
        let precondition = try await checkedPrecondition(request, bucket: bucket, key: key)
        // A small object is kept as the answer its first GETs get (a client reading back what it
        // just wrote, a page showing the image just uploaded). A small body is only held in
        // memory until the commit writes it in place.
        let temporary = store.temporaryPath()
        let body = try await BodyReceiver.receive(
            request, authentication: authentication, to: temporary, sealingWith: encryption?.key,
            keepingUpTo: store.answers.isEnabled ? ReadAnswerCache.bodyLimit : 0, holdingUpTo: Self.heldBodyLimit)
        guard let source = body.source(staging: temporary) else {
            throw S3ServerError.internalError("the received body is neither in a file nor in memory")
        }
        object.size = body.size
        object.etag = body.md5Hex
        object.checksums = body.checksums
        if var stored = encryption?.encryption, let sealed = body.sealed {
            stored.segments = [sealed.segment]
            object.encryption = stored
            // SSE-C: the ETag must not give away the plaintext's MD5, so it is the sealed bytes'.
            if stored.kind == .customer { object.etag = sealed.md5Hex }
        }
        let answer = body.bytes.map { bytes in
            { @Sendable (stored: StoredObject, record: StoredBucket) in plainReadAnswer(stored, in: record, body: bytes) }
        }
        let stored = try await store.commit(
            bucket: bucket, object: object, source: source, precondition: precondition, answer: answer)
        var headers = HTTPFields()
        headers[.eTag] = "\"\(stored.etag)\""
        if versioned { headers[.amzVersionID] = stored.versionIDText }
        Self.addChecksums(stored.checksums, to: &headers)
        Self.addEncryptionHeaders(stored.encryption, to: &headers)
        return ServerResponse.empty(.ok, headers: headers)
    }

    /// The write's If-Match / If-None-Match, checked against the key's current object before
    /// the body is read (the store checks again as it commits).
    func checkedPrecondition(_ request: ServerRequest, bucket: String, key: String) async throws -> WritePrecondition {
        let precondition = try WritePrecondition(headers: request.headers)
        if !precondition.isNone {
            try precondition.check(try await store.object(bucket: bucket, key: key), key: key, whileWriting: false)
        }
        return precondition
    }

    func deleteObject(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let outcome = try await store.deleteObject(bucket: bucket, key: key, versionID: try Self.versionIDParameter(request), deleter: request.user?.id)
        var headers = HTTPFields()
        if outcome.deleteMarker { headers[.amzDeleteMarker] = "true" }
        if let versionID = outcome.versionID { headers[.amzVersionID] = versionID }
        return ServerResponse.empty(.noContent, headers: headers)
    }

    static func addChecksums(_ checksums: [String: String], to headers: inout HTTPFields) {
        for (algorithm, value) in checksums {
            if let name = HTTPField.Name("x-amz-checksum-\(algorithm)") { headers[name] = value }
        }
    }

    /// The headers that describe `object` in GET and HEAD answers.
    static func objectHeaders(_ object: StoredObject, includeChecksums: Bool) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = "\"\(object.etag)\""
        headers[.lastModified] = HTTPDate.rfc1123(object.lastModified)
        headers[.contentType] = object.contentType ?? "binary/octet-stream"
        headers[.acceptRanges] = "bytes"
        for (name, value) in object.contentHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        for (name, value) in object.metadata.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name("x-amz-meta-\(name)") { headers[field] = value }
        }
        if includeChecksums { addChecksums(object.checksums, to: &headers) }
        if let tags = object.tags, !tags.isEmpty { headers[.amzTaggingCount] = String(tags.count) }
        return headers
    }

    func getObject(_ request: ServerRequest, bucket: String, key: String, isHead: Bool) async throws -> Response {
        // Authorisation read the bucket and the key; the answer comes from that same snapshot.
        let snapshot: KeySnapshot
        if let authorized = request.snapshot {
            snapshot = authorized
        } else {
            snapshot = try await store.snapshot(bucket: bucket, key: key)
        }
        let (object, versioned) = try Self.readableObject(in: snapshot, key: key, versionID: try Self.versionIDParameter(request))
        // How an object is encrypted is chosen when it is written; a read naming SSE-S3 or
        // SSE-KMS asks for something the server cannot do, and S3 says so.
        if request.header("x-amz-server-side-encryption") != nil {
            throw S3ServerError.invalidArgument("x-amz-server-side-encryption header is not supported for this operation.")
        }
        let dataKey = try await dataKey(for: object.encryption, request: request)
        if let failure = try Self.preconditionFailure(request, etag: object.etag, lastModified: object.lastModified) { return failure }
        let rangeHeader = request.header("range")
        // A checksum describes the whole object, so a ranged answer carries none (as in S3).
        var headers = Self.objectHeaders(
            object, includeChecksums: request.header("x-amz-checksum-mode") == "ENABLED" && rangeHeader == nil)
        if versioned { headers[.amzVersionID] = object.versionIDText }
        Self.addEncryptionHeaders(object.encryption, to: &headers)
        if let expiration = lifecycleExpiration(in: snapshot, object: object) { headers[.amzExpiration] = expiration }
        for override in ["cache-control", "content-disposition", "content-encoding", "content-language", "content-type", "expires"] {
            if let value = request.query.value(for: "response-\(override)"), let name = HTTPField.Name(override) {
                headers[name] = value
            }
        }
        var range: Range<Int64> = 0..<object.size
        var status = HTTPResponse.Status.ok
        if let rangeHeader {
            switch RangeHeader.resolve(rangeHeader, size: object.size) {
            case .whole:
                break
            case .partial(let wanted):
                range = wanted
                status = .partialContent
                headers[.contentRange] = "bytes \(wanted.lowerBound)-\(wanted.upperBound - 1)/\(object.size)"
            case .unsatisfiable:
                throw S3ServerError(
                    .rangeNotSatisfiable, .invalidRange, "The requested range is not satisfiable", details: ["ActualObjectSize": String(object.size)])
            }
        }
        headers[.contentLength] = String(range.count)
        // The answer of a plain read may be kept, for FastReadHandler to give again.
        func keep(_ body: ByteBuffer?) {
            guard let token = request.answerToken, status == .ok, let entry = plainReadAnswer(object, in: snapshot.bucket, body: body)
            else { return }
            store.answers.fill(ReadAnswerCache.Name(bucket: bucket, key: key), entry, token: token)
        }
        if isHead || range.isEmpty {
            keep(isHead ? nil : ByteBuffer())
            return Response(status: status, headers: headers)
        }
        if object.isInline {
            let whole = try await store.inlineBytes(bucket: bucket, object: object)
            guard Int64(whole.count) == object.size else {
                throw S3ServerError.internalError("the object's document holds \(whole.count) bytes for an object of \(object.size)")
            }
            let bytes = ByteBuffer(bytes: whole[whole.startIndex + Int(range.lowerBound)..<whole.startIndex + Int(range.upperBound)])
            keep(bytes.readableBytes <= ReadAnswerCache.bodyLimit ? bytes : nil)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
        // A newer write of the key leaves this version's bytes in place for a while (see
        // ObjectStore.commit), so the file is still there when the body starts streaming.
        let path = store.dataPath(bucket: bucket, object: object)
        let readRange = range
        if let encryption = object.encryption, let dataKey {
            let body = try await decryptedBody(path: path, encryption: encryption, key: dataKey, range: readRange)
            return Response(status: status, headers: headers, body: body)
        }
        if Int64(readRange.count) <= SmallObjectRead.limit {
            let bytes: ByteBuffer
            do {
                bytes = try await SmallObjectRead.read(path, range: readRange)
            } catch {
                throw S3ServerError.internalError("cannot read the object's data: \(error)")
            }
            keep(bytes.readableBytes <= ReadAnswerCache.bodyLimit ? bytes : nil)
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
        keep(nil)
        let body = ResponseBody { writer in
            try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                for try await chunk in handle.readChunks(in: readRange, chunkLength: .kibibytes(256)) {
                    try await writer.write(chunk)
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// What a plain GET (``PlainObjectRead``) of `object`, current in `bucket`, is answered,
    /// ready for ``ReadAnswerCache``: the headers ``getObject(_:bucket:key:isHead:)`` gives such
    /// a request, and `body` (nil: HEAD only). nil when such answers are not kept: an encrypted
    /// object (its plaintext stays off the heap), a bucket with lifecycle rules
    /// (`x-amz-expiration`).
    func plainReadAnswer(_ object: StoredObject, in bucket: StoredBucket, body: ByteBuffer?) -> ReadAnswerCache.Entry? {
        guard object.encryption == nil, bucket.lifecycle == nil, !object.isDeleteMarker else { return nil }
        func headers(includeChecksums: Bool) -> HTTPFields {
            var headers = Self.objectHeaders(object, includeChecksums: includeChecksums)
            if bucket.versioning != nil { headers[.amzVersionID] = object.versionIDText }
            headers[.contentLength] = String(object.size)
            return headers
        }
        return ReadAnswerCache.Entry(
            headers: headers(includeChecksums: false), headersWithChecksums: object.checksums.isEmpty ? nil : headers(includeChecksums: true),
            acl: effectiveACL(object), body: body)
    }

    /// The answer to a failed If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since
    /// for a representation with this (unquoted) ETag and date, or nil when the request may go on.
    /// A 412 is thrown, so it is answered like every other error: with the request's id, and
    /// without a body for HEAD.
    static func preconditionFailure(_ request: ServerRequest, etag: String, lastModified: Date) throws(S3ServerError) -> Response? {
        let conditions = Preconditions(
            ifMatch: request.header("if-match"), ifNoneMatch: request.header("if-none-match"),
            ifModifiedSince: request.header("if-modified-since").flatMap(HTTPDate.parseRFC1123),
            ifUnmodifiedSince: request.header("if-unmodified-since").flatMap(HTTPDate.parseRFC1123))
        switch conditions.evaluate(etag: etag, lastModified: lastModified) {
        case .proceed:
            return nil
        case .failed:
            throw S3ServerError(.preconditionFailed, .preconditionFailed, "At least one of the pre-conditions you specified did not hold")
        case .notModified:
            var headers = HTTPFields()
            headers[.eTag] = "\"\(etag)\""
            headers[.lastModified] = HTTPDate.rfc1123(lastModified)
            return Response(status: .notModified, headers: headers)
        }
    }
}
