import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOFileSystem
import S3Protocol

/// POST Object: a browser form upload to the bucket's URL. The form is streamed: the fields
/// before the file are read (at most 20 KB, as in S3), checked — signature, policy, bucket
/// WRITE, key, ACL, metadata, tags — and only then is the file streamed to a temporary file,
/// committed exactly as PutObject commits. Parts after the file are read past and ignored.
extension S3Handler {
    /// The most a form body may carry besides a 5 GiB file: its fields and the parts S3 ignores.
    static let maximumPostOverhead: Int64 = 1 << 20

    func postObject(_ request: ServerRequest, bucket: String) async throws -> Response {
        let storedBucket = try await store.bucket(bucket)
        let contentType = request.header("content-type")
        guard FormDataContentType.isFormData(contentType) else {
            throw S3ServerError(
                .preconditionFailed, .preconditionFailed, "At least one of the pre-conditions you specified did not hold",
                details: ["Condition": "Bucket POST must be of the enclosure-type multipart/form-data"])
        }
        guard let boundary = contentType.flatMap(FormDataContentType.boundary) else { throw Self.malformedPost }
        let bodyLimit = S3Limits.maximumPutSize + Self.maximumPostOverhead
        if let length = request.header("content-length") {
            guard let declared = S3Limits.decimal(length) else {
                if length.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) && !length.isEmpty { throw Self.tooLarge }
                throw S3ServerError.invalidArgument("content-length must be a non-negative number of bytes.")
            }
            guard declared <= bodyLimit else { throw Self.tooLarge }
        }
        request.continueGate.open()

        var parser = FormDataParser(boundary: boundary)
        var fields = PostFormFields()
        var plan: PostUploadPlan?
        var md5 = Insecure.MD5()
        var sealer: SegmentSealer?
        var size: Int64 = 0
        var received: Int64 = 0
        let path = store.temporaryPath()
        do {
            try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .freshPrivateFile) { handle in
                var writer = handle.bufferedWriter(capacity: .mebibytes(1))
                for try await buffer in request.body {
                    received &+= Int64(buffer.readableBytes)
                    guard received <= bodyLimit else { throw Self.tooLarge }
                    let events = try buffer.withUnsafeReadableBytes { bytes throws(S3ServerError) in
                        do throws(FormDataParser.Failure) {
                            return try parser.feed(bytes)
                        } catch {
                            throw Self.formError(error)
                        }
                    }
                    for event in events {
                        var piece: ByteBuffer
                        switch event {
                        case .field(let name, let value):
                            fields.append(name: name, value: value)
                            continue
                        case .fileStart(let filename, _):
                            plan = try await preparePost(request, fields, filename: filename, bucket: storedBucket)
                            // SSE: the file is sealed as it arrives, as PutObject's body is.
                            if let key = plan?.encryption?.key { sealer = SegmentSealer(key: key) }
                            continue
                        case .fileEnd:
                            continue
                        case .fileBytes(.input(let range)):
                            guard let slice = buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count) else { continue }
                            piece = slice
                        case .fileBytes(.held(let bytes)):
                            piece = ByteBuffer(bytes: bytes)
                        }
                        size &+= Int64(piece.readableBytes)
                        if size > plan?.maximumSize ?? S3Limits.maximumPutSize {
                            throw plan?.policy == nil ? Self.tooLarge : S3ServerError(.badRequest, .entityTooLarge, PostPolicy.Violation.tooLarge.message)
                        }
                        piece.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
                        try await writer.write(piece, sealingWith: &sealer)
                    }
                }
                if let last = try sealer?.finish() { try await writer.write(contentsOf: last) }
                // No fsync: the commit makes the file durable with its document.
                try await writer.flush()
            }
            do throws(FormDataParser.Failure) {
                try parser.finish()
            } catch {
                throw Self.formError(error)
            }
            // A form that ended without a file still has its fields checked first, so a form
            // without a key, signature or valid policy is told so rather than about the file.
            if !parser.hasFile {
                _ = try await preparePost(request, fields, filename: nil, bucket: storedBucket)
                throw S3ServerError(.badRequest, "IncorrectNumberOfFilesInPostRequest", "POST requires exactly one file upload per request.")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            if let error = error as? S3ServerError { throw error }
            throw S3ServerError(.badRequest, .incompleteBody, "The request body could not be read completely.")
        }
        guard var plan else {
            try? FileManager.default.removeItem(atPath: path)
            throw Self.malformedPost
        }
        do throws(PostPolicy.Violation) {
            try plan.policy?.checkSize(size)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw S3ServerError(.badRequest, error == .tooSmall ? .entityTooSmall : .entityTooLarge, error.message)
        }
        plan.object.size = size
        plan.object.etag = Digests.hex(md5.finalize())
        if var encryption = plan.encryption?.encryption, let sealer {
            encryption.segments = [EncryptedSegment(size: size, noncePrefix: sealer.segmentNoncePrefix)]
            plan.object.encryption = encryption
            // SSE-C: the ETag must not give away the plaintext's MD5 (as PutObject does it).
            if encryption.kind == .customer { plan.object.etag = Digests.hex(sealer.sealedMD5.finalize()) }
        }
        let stored = try await store.commit(bucket: bucket, object: plan.object, temporaryPath: path)
        #if ImageService
        // A bucket-level request, so dispatch does not drop the key's cached variants: done here.
        if let imageCache { await imageCache.invalidate(bucket: bucket, key: stored.key) }
        #endif
        return postAnswer(request, plan: plan, stored: stored, bucket: bucket, versioned: storedBucket.versioning != nil)
    }

    /// Everything the fields decide, checked before the file is read: the signature and policy,
    /// the signer's (or an anonymous caller's) WRITE on the bucket, and the object to create.
    private func preparePost(
        _ request: ServerRequest, _ fields: PostFormFields, filename: String?, bucket: StoredBucket
    ) async throws -> PostUploadPlan {
        let authentication = try PostFormAuthentication(fields, keys: authenticator.keys)
        let key = try PostUploadPlan.key(fields["key"], filename: filename)
        if let policy = authentication.policy {
            do throws(PostPolicy.Violation) {
                // The policy sees the key as the form sent it, `${filename}` and all, as in S3.
                try policy.check(fields: fields.ordered, bucket: bucket.name)
            } catch {
                throw S3ServerError.accessDenied(error.message)
            }
        }
        let bucketACL = effectiveACL(bucket)
        guard bucketACL.grants(.write, to: authentication.user) else { throw S3ServerError.accessDenied() }
        // The SSE fields are read exactly as PutObject reads the same headers.
        var encryptionRequest = request
        encryptionRequest.headers = SignableHeaders()
        for name in fields.names.sorted() where name.hasPrefix("x-amz-server-side-encryption") {
            encryptionRequest.headers.add(name, fields[name] ?? "")
        }
        let encryption = try await newEncryption(try RequestedEncryption.forWrite(encryptionRequest))
        let canned: CannedACL
        if let text = fields["acl"] {
            guard let parsed = CannedACL(rawValue: text) else {
                throw S3ServerError(
                    .badRequest, .invalidArgument, "acl names no canned ACL S3 knows.",
                    details: ["ArgumentName": "acl", "ArgumentValue": String(text.prefix(64))])
            }
            canned = parsed
        } else {
            canned = .private
        }
        let bucketOwner = bucketACL.owner ?? primaryOwnerID
        var contentHeaders: [String: String] = [:]
        for name in PostUploadPlan.contentFields {
            if let value = fields[name] { contentHeaders[name] = value }
        }
        var object = StoredObject(
            key: key, size: 0, etag: "", lastModified: Date(), contentType: fields["content-type"], contentHeaders: contentHeaders,
            metadata: try PostUploadPlan.metadata(fields), acl: canned.acl(owner: authentication.user?.id ?? bucketOwner, bucketOwner: bucketOwner),
            checksums: [:], version: "")
        object.tags = try PostUploadPlan.tags(fields["tagging"])
        var maximum = S3Limits.maximumPutSize
        if let allowed = authentication.policy?.allowedSizes { maximum = min(maximum, allowed.upperBound) }
        return PostUploadPlan(
            object: object, policy: authentication.policy, maximumSize: maximum, status: PostUploadPlan.status(fields["success_action_status"]),
            redirect: PostUploadPlan.redirect(fields), encryption: encryption)
    }

    /// S3's answer: a 303 to the redirect, or the status asked for; 201 with a PostResponse.
    private func postAnswer(_ request: ServerRequest, plan: PostUploadPlan, stored: StoredObject, bucket: String, versioned: Bool) -> Response {
        let host = request.header("host") ?? "localhost"
        let encodedKey = URIEncoding.encode(stored.key, keepSlash: true)
        let location = request.isVirtualHosted ? "http://\(host)/\(encodedKey)" : "http://\(host)/\(URIEncoding.encode(bucket))/\(encodedKey)"
        var headers = HTTPFields()
        headers[.eTag] = "\"\(stored.etag)\""
        if versioned { headers[.amzVersionID] = stored.versionIDText }
        Self.addEncryptionHeaders(stored.encryption, to: &headers)
        if let redirect = plan.redirect {
            headers[.location] = PostUploadPlan.redirectLocation(redirect, bucket: bucket, key: stored.key, etag: stored.etag)
            return ServerResponse.empty(.seeOther, headers: headers)
        }
        headers[.location] = location
        switch plan.status {
        case 201:
            var root = XML.Element("PostResponse")
            root.children = [
                .leaf("Location", location), .leaf("Bucket", bucket), .leaf("Key", stored.key), .leaf("ETag", "\"\(stored.etag)\""),
            ]
            var response = ServerResponse.xml(text: root.serialized(), status: .created)
            for field in headers { response.headers.append(field) }
            return response
        case 200:
            return ServerResponse.empty(.ok, headers: headers)
        default:
            return ServerResponse.empty(.noContent, headers: headers)
        }
    }

    static let malformedPost = S3ServerError(
        .badRequest, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")

    static let tooLarge = S3ServerError(.badRequest, .entityTooLarge, "Your proposed upload exceeds the maximum allowed size")

    static func formError(_ failure: FormDataParser.Failure) -> S3ServerError {
        switch failure {
        case .malformed: malformedPost
        case .preFileDataTooLarge:
            S3ServerError(.badRequest, "MaxPostPreDataLengthExceeded", "Your POST request fields preceding the upload file were too large.")
        case .secondFile:
            S3ServerError(.badRequest, "IncorrectNumberOfFilesInPostRequest", "POST requires exactly one file upload per request.")
        }
    }
}
