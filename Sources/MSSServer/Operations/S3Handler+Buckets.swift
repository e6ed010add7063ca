import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import S3Protocol

extension S3Handler {
    /// The caller's buckets, as S3 lists them: only those the caller owns.
    func listBuckets(_ request: ServerRequest) async -> Response {
        guard let user = request.user else { return ServerResponse.xml(ListAllMyBucketsResult(owner: nil, buckets: [])) }
        let buckets = await store.allBuckets().filter { effectiveACL($0).owner == user.id }
            .map { ListAllMyBucketsResult.Bucket(name: $0.name, creationDate: $0.created) }
        return ServerResponse.xml(ListAllMyBucketsResult(owner: user.owner, buckets: buckets))
    }

    func createBucket(_ request: ServerRequest, bucket: String) async throws -> Response {
        let body = try await Self.collectDocument(request)
        if !body.isEmpty { _ = try Self.parse(CreateBucketConfiguration.self, from: body) }
        try await store.createBucket(bucket, acl: request.newACL ?? .private)
        var headers = HTTPFields()
        headers[.location] = "/\(bucket)"
        return ServerResponse.empty(.ok, headers: headers)
    }

    func headBucket(_ bucket: String) async throws -> Response {
        _ = try await store.bucket(bucket)
        var headers = HTTPFields()
        headers[HTTPField.Name("x-amz-bucket-region")!] = "us-east-1"
        return ServerResponse.empty(.ok, headers: headers)
    }

    func deleteBucket(_ bucket: String) async throws -> Response {
        try await store.deleteBucket(bucket)
        return ServerResponse.empty(.noContent)
    }

    func bucketLocation(_ bucket: String) async throws -> Response {
        _ = try await store.bucket(bucket)
        return ServerResponse.xml(LocationConstraint(region: nil))
    }

    func listObjects(_ request: ServerRequest, bucket: String) async throws -> Response {
        let q = request.query
        let isV2 = q.value(for: "list-type") == "2"
        if let listType = q.value(for: "list-type"), listType != "2" {
            throw S3ServerError.invalidArgument("Invalid list-type: \(listType)")
        }
        let parameters = try ListingParameters(q)
        let encode = parameters.encode
        var marker: String?
        var continuationToken: String?
        if isV2 {
            if let token = q.value(for: "continuation-token") {
                guard let data = Data(base64Encoded: token), let decoded = String(data: data, encoding: .utf8) else {
                    throw S3ServerError.invalidArgument("The continuation token provided is incorrect")
                }
                continuationToken = token
                marker = decoded
            } else {
                marker = q.value(for: "start-after")
            }
        } else {
            marker = q.value(for: "marker")
        }
        let listing = try await store.list(
            bucket: bucket, prefix: parameters.prefix, delimiter: parameters.delimiter,
            marker: marker.flatMap { $0.isEmpty ? nil : $0 }, maxKeys: parameters.pageSize)
        let contents = listing.objects.map {
            ListBucketResult.Object(
                key: encode($0.key), lastModified: $0.lastModified, etag: "\"\($0.etag)\"", size: $0.size,
                storageClass: "STANDARD", owner: isV2 && q.value(for: "fetch-owner") != "true" ? nil : listingOwner(id: $0.owner))
        }
        var result = ListBucketResult(
            name: bucket, prefix: encode(parameters.prefix), delimiter: parameters.delimiter.map(encode),
            maxKeys: parameters.maxKeys, isTruncated: listing.isTruncated, encodingType: parameters.encodingType, contents: contents,
            commonPrefixes: listing.commonPrefixes.map(encode))
        if isV2 {
            result.continuationToken = continuationToken
            result.startAfter = q.value(for: "start-after").map(encode)
            result.keyCount = listing.objects.count + listing.commonPrefixes.count
            if listing.isTruncated, let last = listing.last {
                result.nextContinuationToken = Data(last.utf8).base64EncodedString()
            }
        } else {
            result.marker = encode(marker ?? "")
            if listing.isTruncated, let last = listing.last { result.nextMarker = encode(last) }
        }
        return ServerResponse.xml(result)
    }

    func deleteObjects(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        let document = try Self.parse(DeleteRequest.self, from: try await Self.collectDocument(request, verifyingPayload: authentication))
        guard document.objects.count <= 1000 else { throw S3ServerError.malformedXML("more than 1,000 keys") }
        _ = try await store.bucket(bucket)
        var deleted: [DeleteResult.Deleted] = []
        var failures: [DeleteResult.Failure] = []
        for object in document.objects {
            let key = object.key
            if let problem = NameRules.keyProblem(key) {
                failures.append(.init(key: key, versionID: object.versionID, code: S3ErrorCode.invalidArgument.rawValue, message: problem))
                continue
            }
            if object.versionID?.isEmpty == true || (object.versionID?.utf8.count ?? 0) > 1024 {
                failures.append(.init(key: key, versionID: object.versionID, code: S3ErrorCode.invalidArgument.rawValue, message: "Invalid version id specified"))
                continue
            }
            let outcome = try await store.deleteObject(bucket: bucket, key: key, versionID: object.versionID, deleter: request.user?.id)
            if object.versionID != nil {
                deleted.append(.init(
                    key: key, versionID: object.versionID, deleteMarker: outcome.deleteMarker,
                    deleteMarkerVersionID: outcome.deleteMarker ? object.versionID : nil))
            } else {
                deleted.append(.init(
                    key: key, deleteMarker: outcome.deleteMarker,
                    deleteMarkerVersionID: outcome.deleteMarker ? outcome.versionID : nil))
            }
        }
        return ServerResponse.xml(DeleteResult(deletedObjects: document.quiet ? [] : deleted, errors: failures))
    }

    /// Reads a small XML request body, checking Content-MD5 and a signed SHA-256 when present.
    static func collectDocument(_ request: ServerRequest, verifyingPayload authentication: Authentication? = nil) async throws -> [UInt8] {
        let limit = 2 << 20
        if let length = request.header("content-length").flatMap(Int.init), length > limit {
            throw S3ServerError(.badRequest, .maxMessageLengthExceeded, "Your request was too big.")
        }
        request.continueGate.open()
        var buffer = ByteBuffer()
        do {
            for try await chunk in request.body {
                var chunk = chunk
                buffer.writeBuffer(&chunk)
                if buffer.readableBytes > limit { throw S3ServerError(.badRequest, .maxMessageLengthExceeded, "Your request was too big.") }
            }
        } catch let error as S3ServerError {
            throw error
        } catch {
            // The HTTP layer failed to frame the body (bad chunk sizes, a connection that closed):
            // the client's fault, as for object bodies.
            throw S3ServerError(.badRequest, .incompleteBody, "The request body could not be read completely.")
        }
        let bytes = Array(buffer.readableBytesView)
        if let contentMD5 = request.header("content-md5"), contentMD5 != Digests.md5Base64(bytes) {
            throw S3ServerError(.badRequest, .badDigest, "The Content-MD5 you specified did not match what we received.")
        }
        if let hash = authentication?.payloadHash ?? request.header("x-amz-content-sha256"), hash.utf8.count == 64,
            hash != Digests.sha256Hex(bytes)
        {
            throw S3ServerError(.badRequest, .xAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        return bytes
    }

    /// A request document, or MalformedXML saying what is wrong with it.
    static func parse<Document: S3Document>(_ type: Document.Type, from bytes: [UInt8]) throws(S3ServerError) -> Document {
        do {
            return try Document(bytes: bytes)
        } catch {
            throw S3ServerError.malformedXML(error.description)
        }
    }

    static func intParameter(_ query: [QueryItem], _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = query.value(for: name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw S3ServerError.invalidArgument("Provided \(name) not an integer or within integer range")
        }
        return number
    }
}
