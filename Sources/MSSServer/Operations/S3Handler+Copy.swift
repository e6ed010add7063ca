import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFileSystem
import S3Protocol

extension HTTPField.Name {
    static let amzCopySourceVersionID = HTTPField.Name("x-amz-copy-source-version-id")!
}

extension S3Handler {
    /// What `x-amz-copy-source` names.
    struct CopySource: Sendable {
        var bucket: String
        var object: StoredObject
        /// The source bucket has had versioning, so the answer names the version copied.
        var versioned: Bool
        /// The request named the version (`?versionId=`) rather than the current object.
        var namedVersion: Bool
    }

    /// The object named by `x-amz-copy-source` (`[/]bucket/key[?versionId=ID]`, URL-encoded),
    /// checked against the `x-amz-copy-source-if-*` conditions.
    func copySource(_ request: ServerRequest) async throws -> CopySource {
        guard var source = request.header("x-amz-copy-source") else {
            throw S3ServerError.invalidArgument("x-amz-copy-source is missing")
        }
        var versionID: String?
        if let question = source.firstIndex(of: "?") {
            guard let items = QueryItem.parse(source[source.index(after: question)...]) else {
                throw S3ServerError.invalidArgument("Invalid copy source encoding")
            }
            if let item = items.first(where: { $0.name == "versionId" }) {
                guard let value = item.value, !value.isEmpty, value.utf8.count <= 1024 else {
                    throw S3ServerError.invalidArgument("Invalid version id specified")
                }
                versionID = value
            }
            source = String(source[..<question])
        }
        guard let decoded = URIEncoding.decode(source.hasPrefix("/") ? String(source.dropFirst()) : source),
            let slash = decoded.firstIndex(of: "/")
        else {
            throw S3ServerError.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
        }
        let bucket = String(decoded[..<slash])
        let key = String(decoded[decoded.index(after: slash)...])
        guard !key.isEmpty, key.utf8.count <= NameRules.maximumKeyBytes else {
            throw S3ServerError.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
        }
        let sourceBucket = try await store.bucket(bucket)
        let versioned = sourceBucket.versioning != nil
        // A copy reads its source: the version read here needs READ for the caller, and only a
        // caller who may list the source bucket learns that a key or version is not there.
        guard let object = try await store.object(bucket: bucket, key: key, versionID: versionID) else {
            guard effectiveACL(sourceBucket).grants(.read, to: request.user) else { throw S3ServerError.accessDenied() }
            if let versionID {
                throw S3ServerError(.notFound, .noSuchVersion, "The specified version does not exist.", resource: key, details: ["Key": key, "VersionId": versionID])
            }
            throw S3ServerError.noSuchKey(key)
        }
        if object.isDeleteMarker {
            guard effectiveACL(sourceBucket).grants(.read, to: request.user) else { throw S3ServerError.accessDenied() }
            throw S3ServerError(.badRequest, .invalidRequest, "The source of a copy request may not specifically refer to a delete marker by version id.")
        }
        guard effectiveACL(object).grants(.read, to: request.user) else { throw S3ServerError.accessDenied() }
        let conditions = Preconditions(
            ifMatch: request.header("x-amz-copy-source-if-match"), ifNoneMatch: request.header("x-amz-copy-source-if-none-match"),
            ifModifiedSince: request.header("x-amz-copy-source-if-modified-since").flatMap(HTTPDate.parseRFC1123),
            ifUnmodifiedSince: request.header("x-amz-copy-source-if-unmodified-since").flatMap(HTTPDate.parseRFC1123))
        // A copy has no 304: every condition that does not hold is a 412.
        guard conditions.evaluate(etag: object.etag, lastModified: object.lastModified) == .proceed else {
            throw S3ServerError(.preconditionFailed, .preconditionFailed, "At least one of the pre-conditions you specified did not hold")
        }
        return CopySource(bucket: bucket, object: object, versioned: versioned, namedVersion: versionID != nil)
    }

    func copyObject(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let versioned = try await store.bucket(bucket).versioning != nil
        let copied = try await copySource(request)
        let (sourceBucket, source) = (copied.bucket, copied.object)
        let sourceKey = try await dataKey(for: source.encryption, request: request, prefix: Self.copySourceCustomerPrefix)
        let requestedEncryption = try RequestedEncryption.forWrite(request)
        let precondition = try await checkedPrecondition(request, bucket: bucket, key: key)
        let directive = request.header("x-amz-metadata-directive")?.uppercased() ?? "COPY"
        guard directive == "COPY" || directive == "REPLACE" else {
            throw S3ServerError.invalidArgument("Unknown metadata directive.")
        }
        var object: StoredObject
        if directive == "REPLACE" {
            object = try Self.describedObject(request, key: key)
        } else {
            if sourceBucket == bucket && source.key == key && request.header("x-amz-acl") == nil
                && !request.headers.contains(where: { $0.name.lowercased().hasPrefix("x-amz-grant-") })
                && !copied.namedVersion && requestedEncryption.kind == nil
            {
                throw S3ServerError(
                    .badRequest, .invalidRequest,
                    "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
            }
            object = source
            object.key = key
            // A copy gets the ACL the request asks for, not the source's.
            object.acl = request.newACL ?? .private
        }
        // CopyObject is one PUT on the server's side, so its 5 GiB limit holds (larger objects are
        // copied with UploadPartCopy); the check comes before any byte is read.
        guard source.size <= S3Limits.maximumPutSize else { throw S3ServerError.copySourceTooLarge() }
        object.size = source.size
        object.etag = source.etag
        object.checksums = source.checksums
        object.tags = try Self.copiedTags(request, source: source)
        let temporary = store.temporaryPath()
        // The copy is encrypted as the request asks, whatever the source was.
        object.encryption = nil
        let target = try await newEncryption(requestedEncryption)
        let stored: StoredObject
        if source.isInline && target == nil {
            // Small and in clear: the copy is kept inline too, with no file on the way.
            let bytes = try await store.inlineBytes(bucket: sourceBucket, object: source)
            stored = try await store.commit(
                bucket: bucket, object: object, source: .memory(ByteBuffer(bytes: bytes), staging: temporary), precondition: precondition)
        } else {
            try await store.withStoredBytesFile(bucket: sourceBucket, object: source) { sourcePath in
                if let sourceEncryption = source.encryption, let sourceKey {
                    let copiedBytes = try await transcode(
                        from: sourcePath, opening: (sourceEncryption, sourceKey), range: 0..<source.size, to: temporary,
                        sealingWith: target?.key)
                    Self.describeCopy(copiedBytes, encryption: target?.encryption, of: &object)
                } else if let target {
                    let copiedBytes = try await transcode(
                        from: sourcePath, opening: nil, range: 0..<source.size, to: temporary, sealingWith: target.key)
                    Self.describeCopy(copiedBytes, encryption: target.encryption, of: &object)
                } else {
                    try await copyBytes(from: sourcePath, range: 0..<source.size, to: temporary)
                }
            }
            stored = try await store.commit(bucket: bucket, object: object, temporaryPath: temporary, precondition: precondition)
        }
        var response = ServerResponse.xml(CopyObjectResult(result: CopyResult(etag: "\"\(stored.etag)\"", lastModified: stored.lastModified)))
        if copied.versioned { response.headers[.amzCopySourceVersionID] = source.versionIDText }
        if versioned { response.headers[.amzVersionID] = stored.versionIDText }
        Self.addEncryptionHeaders(stored.encryption, to: &response.headers)
        return response
    }

    /// The ETag and encryption of a copy that was decrypted or encrypted on the way: the MD5 of
    /// the plaintext, or of the sealed bytes for SSE-C (as for a PUT).
    static func describeCopy(_ copied: Transcoded, encryption: StoredEncryption?, of object: inout StoredObject) {
        object.etag = copied.plainMD5Hex
        guard var encryption, let segment = copied.segment else { return }
        encryption.segments = [segment]
        object.encryption = encryption
        if encryption.kind == .customer, let sealed = copied.sealedMD5Hex { object.etag = sealed }
    }

    /// Copies `range` of the file at `source` into a new file at `destination`; not fsynced, as
    /// the commit naming it makes it durable.
    func copyBytes(from source: String, range: Range<Int64>, to destination: String) async throws {
        do {
            try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(source)) { input in
                try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(destination), options: .freshPrivateFile
                ) { output in
                    var writer = output.bufferedWriter(capacity: .mebibytes(1))
                    for try await chunk in input.readChunks(in: range, chunkLength: .mebibytes(1)) {
                        try await writer.write(contentsOf: chunk)
                    }
                    try await writer.flush()
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            // Version files are never rewritten, so a source file that is gone was deleted while
            // it was being copied; anything else (a full disk, an I/O error) is the server's fault,
            // not a reason for the client to slow down.
            if let error = error as? FileSystemError, error.code == .notFound {
                throw S3ServerError(.notFound, .noSuchKey, "The specified key does not exist.")
            }
            throw S3ServerError.internalError("cannot copy the source")
        }
    }
}
