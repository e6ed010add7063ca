import NIOCore
import S3Protocol

/// One S3 operation as data: what every API call builds, and the only thing the executor sends.
struct S3Request: Sendable {
    var method: String
    var bucket: String?
    var key: String?
    var query: [QueryItem] = []
    var headers = SignableHeaders()
    var body: RequestBody = .empty
    /// Which host to address; the image service lives on its own.
    var service: Service = .storage
    /// Told how many body bytes went out, as they go (file bodies only).
    var onBytesSent: (@Sendable (Int64) -> Void)?

    enum Service: Sendable {
        case storage
        case image
    }

    init(method: String, bucket: String? = nil, key: String? = nil, query: [QueryItem] = []) {
        self.method = method
        self.bucket = bucket
        self.key = key
        self.query = query
    }

    /// Whether a 404 without a body means NoSuchBucket rather than NoSuchKey.
    var isBucketLevel: Bool { key == nil }
}

/// A request body. Every kind can be sent again, which is what lets the executor retry.
enum RequestBody: Sendable {
    case empty
    case bytes(ByteBuffer)
    /// `length` bytes of the file at `path` from `offset`, read from disk while being sent.
    case file(path: String, offset: Int64, length: Int64)

    var length: Int64 {
        switch self {
        case .empty: 0
        case .bytes(let buffer): Int64(buffer.readableBytes)
        case .file(_, _, let length): length
        }
    }
}
