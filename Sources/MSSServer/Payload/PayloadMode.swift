import S3Protocol
import HTTPTypes

/// How a request body is framed and what its integrity rests on, from `x-amz-content-sha256`.
enum PayloadMode: Sendable, Equatable {
    /// A plain body; the signature covers nothing of it, or its SHA-256 when `sha256Hex` is set.
    case plain(sha256Hex: String?)
    /// `aws-chunked`, each chunk signed (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`), and the trailers
    /// too with `-TRAILER`.
    case signedChunks(trailer: Bool)
    /// `aws-chunked` without signatures, checksums in trailers (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
    case unsignedChunks

    init(payloadHash: String?) throws(S3ServerError) {
        switch payloadHash {
        case nil, "UNSIGNED-PAYLOAD":
            self = .plain(sha256Hex: nil)
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
            self = .signedChunks(trailer: false)
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
            self = .signedChunks(trailer: true)
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
            self = .unsignedChunks
        case let value?:
            guard Digests.isSHA256Hex(value) else {
                throw S3ServerError(.badRequest, .invalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.")
            }
            self = .plain(sha256Hex: value)
        }
    }

    var isPlain: Bool { if case .plain = self { true } else { false } }
}
