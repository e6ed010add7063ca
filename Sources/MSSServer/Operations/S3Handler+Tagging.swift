import Hummingbird
import S3Protocol

extension S3Handler {
    func bucketTagging(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }

    func putBucketTagging(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }

    func deleteBucketTagging(_ bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }

    func objectTagging(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }

    func putObjectTagging(_ request: ServerRequest, bucket: String, key: String, authentication: Authentication) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }

    func deleteObjectTagging(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "Tagging is not implemented by mss-server yet.")
    }
}
