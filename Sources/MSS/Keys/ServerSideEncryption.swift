public import Foundation
import Crypto
import S3Protocol

/// How the server encrypts an object at rest.
///
/// ```swift
/// // SSE-S3: the server's own key.
/// try await key.setContents(data, options: PutOptions(serverSideEncryption: .s3))
///
/// // SSE-C: your key; every read, copy and part upload of the object needs it again.
/// let secret = try CustomerKey(keyBytes)          // exactly 32 bytes
/// try await key.setContents(data, options: PutOptions(serverSideEncryption: .customer(key: secret)))
/// let back = try await key.data(customerKey: secret)
/// ```
///
/// SSE-KMS is not offered: mss-server answers it with `NotImplemented`.
public enum ServerSideEncryption: Sendable, Hashable {
    /// SSE-S3 (`x-amz-server-side-encryption: AES256`): the server encrypts with a key it keeps.
    case s3
    /// SSE-C: the server encrypts with `key` and keeps only a way to check it, never the key.
    case customer(key: CustomerKey)

    /// The customer key, for SSE-C.
    public var customerKey: CustomerKey? {
        if case .customer(let key) = self { return key }
        return nil
    }

    /// The headers of a write (PUT, copy target, multipart initiation).
    func addHeaders(to headers: inout SignableHeaders) {
        switch self {
        case .s3: headers.replace("x-amz-server-side-encryption", "AES256")
        case .customer(let key): key.addHeaders(to: &headers)
        }
    }
}

/// A customer-provided key for SSE-C: 32 bytes (AES-256). Its description shows only the key's
/// MD5, so printing or logging it never reveals the key.
public struct CustomerKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 key bytes.
    public let bytes: Data

    /// - Throws: ``MSSClientError`` `invalidArgument` when `bytes` is not 32 bytes long.
    public init(_ bytes: Data) throws {
        guard bytes.count == 32 else {
            throw MSSClientError.invalidArgument("an SSE-C key must be 32 bytes (AES-256), not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A key given in base64, as S3's headers carry it.
    ///
    /// - Throws: ``MSSClientError`` `invalidArgument` when `base64` is not base64 of 32 bytes.
    public init(base64: String) throws {
        guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw MSSClientError.invalidArgument("an SSE-C key must be base64 (of 32 bytes)")
        }
        try self.init(bytes)
    }

    /// The base64 MD5 of the key: what the server reports back and checks the key against.
    public var md5Base64: String { Digests.md5Base64(bytes) }

    public var description: String { "CustomerKey(MD5 \(md5Base64))" }

    /// `x-amz-server-side-encryption-customer-*` (or `x-amz-copy-source-…` with `prefix`).
    func addHeaders(to headers: inout SignableHeaders, prefix: String = "x-amz-server-side-encryption-customer-") {
        headers.replace(prefix + "algorithm", "AES256")
        headers.replace(prefix + "key", bytes.base64EncodedString())
        headers.replace(prefix + "key-MD5", md5Base64)
    }

    func addCopySourceHeaders(to headers: inout SignableHeaders) {
        addHeaders(to: &headers, prefix: "x-amz-copy-source-server-side-encryption-customer-")
    }
}
