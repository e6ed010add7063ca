import NIOCore
import NIOHTTP1

/// A response whose body has been read.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    var bodyBytes: [UInt8] { Array(body.readableBytesView) }
}
