import Foundation
import HTTPTypes
import Hummingbird
import Logging
#if ImageService
import MSSImageRendering
#endif
import NIOCore
import S3Protocol

/// Answers the S3 REST API: parses the request, authenticates it, checks what the caller may
/// do, and dispatches to one operation. Every answer carries `x-amz-request-id`; every failure is
/// an S3 XML error.
struct S3Handler: HTTPResponder {
    typealias Context = S3RequestContext

    /// Which listener the handler answers: the S3 API, or the image service on its own port.
    enum Service: Sendable {
        case storage
        case image
    }

    let store: ObjectStore
    let authenticator: Authenticator
    let logger: Logger
    var service: Service = .storage
    /// Domains under which `bucket.DOMAIN` hosts address buckets virtual-host style.
    var virtualHostDomains: [String] = []
    /// How lifecycle due times are computed, for `x-amz-expiration` (as the worker does).
    var lifecycleSchedule = LifecycleSchedule(dayLength: nil)
    /// The web console, answering `/_console/...` before S3 sees the request (S3 port only).
    var console: Console? = nil
    #if ImageService
    /// Present when the image service runs.
    var imageRenderer: ImageRenderer? = nil
    /// The image service's own threads and bounded queue, present with `imageRenderer`.
    var renderPool: RenderPool? = nil
    /// Rendered variants, shared by both listeners: the image port reads and fills it, the S3
    /// API drops the variants of a key it changes. Nil when the cache is off.
    var imageCache: ImageVariantCache? = nil
    #endif

    func respond(to request: Request, context: Context) async throws -> Response {
        if let console, let answer = await console.respond(to: request, context: context, domains: virtualHostDomains) { return answer }
        let requestID = Self.makeRequestID()
        var response: Response
        var addressedBucket: String? = nil
        do {
            var s3 = try ServerRequest(request, domains: virtualHostDomains)
            addressedBucket = s3.bucket
            s3.continueGate = ContinueGate(channel: context.channel, expectsContinue: ExpectContinueHandler.expectsContinue(request.headers))
            // A browser sends a preflight on its own, unsigned but with the query of the request
            // it precedes: a presigned URL's signature is for that request, not for OPTIONS.
            let isPreflight = s3.method == "OPTIONS" && s3.bucket != nil
            let authentication = isPreflight ? Authentication(identity: .anonymous) : try authenticator.authenticate(s3.authenticationInput)
            switch service {
            // Answered on both ports (pages fetch images too) before any authorisation: the
            // preflight of a missing bucket is S3's own 403, not NoSuchBucket.
            case _ where isPreflight: response = try await preflight(s3, bucket: s3.bucket ?? "")
            case .storage: response = try await dispatch(s3, authentication: authentication)
            case .image:
                #if ImageService
                response = try await serveImage(s3, authentication: authentication)
                #else
                throw S3ServerError(.notImplemented, .notImplemented, "This server does not run the image service.")
                #endif
            }
        } catch var error as S3ServerError {
            // Every error names what it is about; by default the resource requested.
            if error.resource == nil { error.resource = request.uri.path }
            if error.status.kind == .serverError { logger.error("request failed", metadata: ["code": "\(error.code)", "message": "\(error.message)", "request-id": "\(requestID)"]) }
            response = ServerResponse.error(error, requestID: requestID, isHead: request.method == .head)
        } catch {
            logger.error("unexpected failure", metadata: ["error": "\(error)", "request-id": "\(requestID)"])
            response = ServerResponse.error(.internalError("unexpected failure"), requestID: requestID, isHead: request.method == .head)
        }
        // A preflight sets its own CORS headers; other answers get the bucket's, when an Origin asks.
        if let addressedBucket, request.method != .options, let origin = request.headers[.origin] {
            await addCORSHeaders(
                to: &response, origin: origin, method: request.method.rawValue,
                requestedMethod: request.headers[.accessControlRequestMethod], bucket: addressedBucket)
        }
        response.headers[.amzRequestID] = requestID
        response.headers[.server] = "mss-server"
        response.headers[.date] = ResponseDate.now
        logger.debug(
            "request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"])
        return response
    }

    static func makeRequestID() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16, uppercase: true)
    }

    /// Sub-resources the server knows it does not implement, answered with NotImplemented.
    private static let unsupported: Set<String> = [
        "policy", "website", "logging", "notification",
        "replication", "encryption", "object-lock", "legal-hold", "retention", "torrent", "requestPayment",
        "accelerate", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "restore", "select",
        "intelligent-tiering",
    ]

    private func dispatch(_ incoming: ServerRequest, authentication: Authentication) async throws -> Response {
        if let proof = try identityProof(incoming) { return proof }
        if let name = incoming.query.first(where: { Self.unsupported.contains($0.name) })?.name {
            throw S3ServerError(.notImplemented, .notImplemented, "The '\(name)' sub-resource is not implemented by mss-server.")
        }
        let operation = try S3Operation(incoming)
        let request = try await authorize(incoming, operation: operation, identity: authentication.identity)
        guard let bucket = request.bucket else { return await listBuckets(request) }
        // Bucket and object operations are dispatched by functions of their own: one async
        // function with every operation's await in it crashed the optimiser (Swift 6.1,
        // coroutine splitting) in release builds.
        guard let key = request.key else {
            return try await bucketOperation(operation, request, bucket: bucket, authentication: authentication)
        }
        let response = try await objectOperation(operation, request, bucket: bucket, key: key, authentication: authentication)
        #if ImageService
        if let imageCache, operation.changesObject, response.status.code < 300 {
            await imageCache.invalidate(bucket: bucket, key: key)
        }
        #endif
        return response
    }

    private func bucketOperation(
        _ operation: S3Operation, _ request: ServerRequest, bucket: String, authentication: Authentication
    ) async throws -> Response {
        switch operation {
        case .putBucketVersioning: return try await putBucketVersioning(request, bucket: bucket, authentication: authentication)
        case .putBucketACL: return try await putBucketACL(request, bucket: bucket)
        case .createBucket: return try await createBucket(request, bucket: bucket)
        case .headBucket: return try await headBucket(bucket)
        case .deleteBucket: return try await deleteBucket(bucket)
        case .bucketLocation: return try await bucketLocation(bucket)
        case .listUploads: return try await listUploads(request, bucket: bucket)
        case .bucketACL: return try await bucketACL(bucket)
        case .bucketVersioning: return try await bucketVersioning(bucket)
        case .listObjectVersions: return try await listObjectVersions(request, bucket: bucket)
        case .listObjects: return try await listObjects(request, bucket: bucket)
        case .deleteObjects: return try await deleteObjects(request, bucket: bucket, authentication: authentication)
        case .bucketCORS: return try await bucketCORS(bucket)
        case .putBucketCORS: return try await putBucketCORS(request, bucket: bucket, authentication: authentication)
        case .deleteBucketCORS: return try await deleteBucketCORS(bucket)
        case .bucketTagging: return try await bucketTagging(bucket)
        case .putBucketTagging: return try await putBucketTagging(request, bucket: bucket, authentication: authentication)
        case .deleteBucketTagging: return try await deleteBucketTagging(bucket)
        case .bucketLifecycle: return try await bucketLifecycle(bucket)
        case .putBucketLifecycle: return try await putBucketLifecycle(request, bucket: bucket, authentication: authentication)
        case .deleteBucketLifecycle: return try await deleteBucketLifecycle(bucket)
        case .postObject: return try await postObject(request, bucket: bucket)
        case .preflight: return try await preflight(request, bucket: bucket)
        default: throw Self.methodNotAllowed(request)
        }
    }

    private func objectOperation(
        _ operation: S3Operation, _ request: ServerRequest, bucket: String, key: String, authentication: Authentication
    ) async throws -> Response {
        switch operation {
        case .uploadPart, .uploadPartCopy:
            return try await uploadPart(request, bucket: bucket, key: key, authentication: authentication)
        case .putObjectACL: return try await putObjectACL(request, bucket: bucket, key: key)
        case .copyObject: return try await copyObject(request, bucket: bucket, key: key)
        case .putObject: return try await putObject(request, bucket: bucket, key: key, authentication: authentication)
        case .listParts: return try await listParts(request, bucket: bucket, key: key)
        case .objectACL: return try await objectACL(request, bucket: bucket, key: key)
        case .objectAttributes: return try await objectAttributes(request, bucket: bucket, key: key)
        case .getObject: return try await getObject(request, bucket: bucket, key: key, isHead: false)
        case .headObject: return try await getObject(request, bucket: bucket, key: key, isHead: true)
        case .abortUpload: return try await abortUpload(request, bucket: bucket, key: key)
        case .deleteObject: return try await deleteObject(request, bucket: bucket, key: key)
        case .createUpload: return try await createUpload(request, bucket: bucket, key: key)
        case .objectTagging: return try await objectTagging(request, bucket: bucket, key: key)
        case .putObjectTagging: return try await putObjectTagging(request, bucket: bucket, key: key, authentication: authentication)
        case .deleteObjectTagging: return try await deleteObjectTagging(request, bucket: bucket, key: key)
        case .preflight: return try await preflight(request, bucket: bucket)
        case .completeUpload: return try await completeUpload(request, bucket: bucket, key: key, authentication: authentication)
        default: throw Self.methodNotAllowed(request)
        }
    }

    static func methodNotAllowed(_ request: ServerRequest) -> S3ServerError {
        S3ServerError(.methodNotAllowed, .methodNotAllowed, "The specified method is not allowed against this resource.", resource: request.rawPath)
    }
}
