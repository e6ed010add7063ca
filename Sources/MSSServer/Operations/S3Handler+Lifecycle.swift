import Hummingbird
import S3Protocol

extension S3Handler {
    func bucketLifecycle(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Lifecycle is not implemented by mss-server yet.")
    }

    func putBucketLifecycle(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Lifecycle is not implemented by mss-server yet.")
    }

    func deleteBucketLifecycle(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Lifecycle is not implemented by mss-server yet.")
    }
}
