import Hummingbird
import S3Protocol

extension S3Handler {
    func postObject(_ request: ServerRequest, bucket: String) async throws -> Response {
        throw S3ServerError(.notImplemented, .notImplemented, "POST Object is not implemented by mss-server yet.")
    }
}
