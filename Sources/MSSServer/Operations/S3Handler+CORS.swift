import Hummingbird
import S3Protocol

extension S3Handler {
    func bucketCORS(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "CORS is not implemented by mss-server yet.")
    }

    func putBucketCORS(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "CORS is not implemented by mss-server yet.")
    }

    func deleteBucketCORS(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "CORS is not implemented by mss-server yet.")
    }

    func preflight(_ request: ServerRequest, bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "CORS is not implemented by mss-server yet.")
    }
}
