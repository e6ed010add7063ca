import NIOCore
import NIOHTTP1
import S3Protocol

/// A response whose body has been read.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    var bodyBytes: [UInt8] { Array(body.readableBytesView) }

    /// Copy and CompleteMultipartUpload can fail after their 200 has been sent: the error then
    /// arrives as the body.
    func throwIfErrorBody() throws {
        if let document = try? ErrorDocument(bytes: bodyBytes) {
            throw S3Error(status: status, document: document, requestID: headers.first(name: "x-amz-request-id"))
        }
    }
}
