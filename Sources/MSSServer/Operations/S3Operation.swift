import S3Protocol

/// The S3 operation a request asks for, worked out once from its method, addressing and
/// sub-resources, so that authorisation and dispatch cannot disagree: a request naming several
/// sub-resources (`?acl&uploadId=…`) is the same operation to both.
enum S3Operation: Sendable, Hashable {
    case listBuckets

    case createBucket, headBucket, deleteBucket, bucketLocation
    case listObjects, listObjectVersions, listUploads, deleteObjects
    case bucketACL, putBucketACL, bucketVersioning, putBucketVersioning
    case bucketCORS, putBucketCORS, deleteBucketCORS
    case bucketTagging, putBucketTagging, deleteBucketTagging
    case bucketLifecycle, putBucketLifecycle, deleteBucketLifecycle
    /// POST Object: a browser form upload, authorised by the signed policy in its body.
    case postObject
    /// A CORS preflight (`OPTIONS`), answered from the bucket's CORS rules without a signature.
    case preflight

    case getObject, headObject, objectAttributes, putObject, copyObject, deleteObject
    case objectACL, putObjectACL
    case objectTagging, putObjectTagging, deleteObjectTagging
    case createUpload, uploadPart, uploadPartCopy, listParts, completeUpload, abortUpload

    /// The operation of `request`; 405 MethodNotAllowed when there is none.
    init(_ request: ServerRequest) throws(S3ServerError) {
        let q = request.query
        if request.method == "OPTIONS", request.bucket != nil {
            self = .preflight
            return
        }
        let operation: S3Operation?
        switch (request.bucket, request.key) {
        case (nil, _):
            operation = request.method == "GET" ? .listBuckets : nil
        case (_?, nil):
            operation = Self.bucketOperation(request.method, q)
        case (_?, _?):
            operation = Self.objectOperation(request.method, q, copies: request.header("x-amz-copy-source") != nil)
        }
        guard let operation else { throw S3Handler.methodNotAllowed(request) }
        self = operation
    }

    private static func bucketOperation(_ method: String, _ q: [QueryItem]) -> S3Operation? {
        switch method {
        case "PUT":
            if q.contains("versioning") { return .putBucketVersioning }
            if q.contains("acl") { return .putBucketACL }
            if q.contains("cors") { return .putBucketCORS }
            if q.contains("tagging") { return .putBucketTagging }
            if q.contains("lifecycle") { return .putBucketLifecycle }
            return .createBucket
        case "HEAD": return .headBucket
        case "DELETE":
            if q.contains("cors") { return .deleteBucketCORS }
            if q.contains("tagging") { return .deleteBucketTagging }
            if q.contains("lifecycle") { return .deleteBucketLifecycle }
            return .deleteBucket
        case "GET":
            if q.contains("cors") { return .bucketCORS }
            if q.contains("tagging") { return .bucketTagging }
            if q.contains("lifecycle") { return .bucketLifecycle }
            if q.contains("location") { return .bucketLocation }
            if q.contains("uploads") { return .listUploads }
            if q.contains("acl") { return .bucketACL }
            if q.contains("versioning") { return .bucketVersioning }
            if q.contains("versions") { return .listObjectVersions }
            return .listObjects
        case "POST": return q.contains("delete") ? .deleteObjects : .postObject
        default: return nil
        }
    }

    private static func objectOperation(_ method: String, _ q: [QueryItem], copies: Bool) -> S3Operation? {
        switch method {
        case "PUT":
            if q.contains("uploadId") { return copies ? .uploadPartCopy : .uploadPart }
            if q.contains("acl") { return .putObjectACL }
            if q.contains("tagging") { return .putObjectTagging }
            return copies ? .copyObject : .putObject
        case "GET":
            if q.contains("uploadId") { return .listParts }
            if q.contains("acl") { return .objectACL }
            if q.contains("attributes") { return .objectAttributes }
            if q.contains("tagging") { return .objectTagging }
            return .getObject
        case "HEAD": return .headObject
        case "DELETE":
            if q.contains("uploadId") { return .abortUpload }
            if q.contains("tagging") { return .deleteObjectTagging }
            return .deleteObject
        case "POST":
            if q.contains("uploads") { return .createUpload }
            if q.contains("uploadId") { return .completeUpload }
            return nil
        default: return nil
        }
    }

    /// Whether a successful answer means the key may now hold other bytes, or none.
    var changesObject: Bool {
        switch self {
        case .putObject, .copyObject, .deleteObject, .completeUpload: true
        default: false
        }
    }
}
