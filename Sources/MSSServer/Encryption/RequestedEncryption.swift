import Crypto
import Foundation
import HTTPTypes
import S3Protocol

/// A customer-provided key (SSE-C), checked against its MD5. Never logged, never stored.
struct CustomerKey: Sendable {
    let key: SymmetricKey
    /// base64 MD5 of the key, as the client sent it (and as S3 reports it back).
    let md5: String
}

/// What a request's SSE headers ask for.
enum RequestedEncryption: Sendable {
    case none
    case s3
    case customer(CustomerKey)

    var kind: StoredEncryption.Kind? {
        switch self {
        case .none: nil
        case .s3: .s3
        case .customer: .customer
        }
    }

    /// The encryption a write (PUT, copy target, CreateMultipartUpload) asks for. SSE-KMS is
    /// answered 501; anything else unknown or contradictory is InvalidArgument, as in S3.
    static func forWrite(_ request: ServerRequest) throws(S3ServerError) -> RequestedEncryption {
        let method = request.header("x-amz-server-side-encryption")
        if let method {
            switch method {
            case "AES256": break
            case "aws:kms", "aws:kms:dsse":
                throw S3ServerError(
                    .notImplemented, .notImplemented,
                    "Server-side encryption with AWS KMS keys (\(method)) is not implemented by this server; use AES256 (SSE-S3) or SSE-C.")
            default:
                throw S3ServerError(
                    .badRequest, .invalidArgument, "The encryption method specified is not supported",
                    details: ["ArgumentName": "x-amz-server-side-encryption", "ArgumentValue": method])
            }
        }
        for name in ["x-amz-server-side-encryption-aws-kms-key-id", "x-amz-server-side-encryption-context"] where request.header(name) != nil {
            throw S3ServerError(
                .notImplemented, .notImplemented, "Server-side encryption with AWS KMS keys (\(name)) is not implemented by this server.")
        }
        let customer = try customerKey(request, prefix: "x-amz-server-side-encryption-customer-")
        switch (method != nil, customer) {
        case (true, .some):
            throw S3ServerError(
                .badRequest, .invalidArgument, "Server side encryption specified with both SSE-C and SSE-S3 headers",
                details: ["ArgumentName": "x-amz-server-side-encryption", "ArgumentValue": method ?? ""])
        case (true, nil): return .s3
        case (false, .some(let key)): return .customer(key)
        case (false, nil): return .none
        }
    }

    /// The SSE-C key a request gives under `prefix` (`x-amz-server-side-encryption-customer-` or
    /// `x-amz-copy-source-server-side-encryption-customer-`), nil when it names none.
    static func customerKey(_ request: ServerRequest, prefix: String) throws(S3ServerError) -> CustomerKey? {
        let algorithm = request.header(prefix + "algorithm")
        let keyText = request.header(prefix + "key")
        let md5Text = request.header(prefix + "key-md5")
        guard algorithm != nil || keyText != nil || md5Text != nil else { return nil }
        func refuse(_ message: String, _ argument: String, _ value: String?) -> S3ServerError {
            S3ServerError(.badRequest, .invalidArgument, message, details: ["ArgumentName": argument, "ArgumentValue": value ?? "null"])
        }
        guard let algorithm else {
            throw refuse(
                "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
                prefix + "algorithm", nil)
        }
        guard algorithm == "AES256" else {
            throw refuse("The encryption algorithm specified is not supported", prefix + "algorithm", algorithm)
        }
        guard let keyText else {
            throw refuse(
                "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.",
                prefix + "key", nil)
        }
        // The key itself is never echoed into an error.
        guard keyText.utf8.count <= 64, let raw = Data(base64Encoded: keyText), raw.count == 32 else {
            throw refuse("The secret key was invalid for the specified algorithm.", prefix + "key", "")
        }
        guard let md5Text else {
            throw refuse(
                "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.",
                prefix + "key-MD5", nil)
        }
        let computed = Data(Insecure.MD5.hash(data: raw))
        guard md5Text.utf8.count <= 64, Data(base64Encoded: md5Text) == computed else {
            throw refuse("The calculated MD5 hash of the key did not match the hash that was provided.", prefix + "key-MD5", "")
        }
        return CustomerKey(key: SymmetricKey(data: raw), md5: computed.base64EncodedString())
    }
}
