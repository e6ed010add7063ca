import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFileSystem
import S3Protocol

extension HTTPField.Name {
    static let amzServerSideEncryption = HTTPField.Name("x-amz-server-side-encryption")!
    static let amzSSECustomerAlgorithm = HTTPField.Name("x-amz-server-side-encryption-customer-algorithm")!
    static let amzSSECustomerKeyMD5 = HTTPField.Name("x-amz-server-side-encryption-customer-key-MD5")!
}

/// Server-side encryption (SSE-S3 and SSE-C) around the store: new data keys for writes, the
/// key checks of reads, the answer headers, and copying between kinds.
extension S3Handler {
    static let copySourceCustomerPrefix = "x-amz-copy-source-server-side-encryption-customer-"
    static let customerPrefix = "x-amz-server-side-encryption-customer-"

    /// The metadata and data key for a new object or upload, or nil when the request asks for none.
    func newEncryption(_ requested: RequestedEncryption) async throws -> (encryption: StoredEncryption, key: SymmetricKey)? {
        switch requested {
        case .none:
            return nil
        case .s3:
            let dataKey = EncryptionLayout.newDataKey()
            let wrapped = try EncryptionLayout.wrap(dataKey, with: try await masterKey(), kind: .s3)
            return (StoredEncryption(kind: .s3, wrappedKey: wrapped), dataKey)
        case .customer(let customer):
            let dataKey = EncryptionLayout.newDataKey()
            let wrapped = try EncryptionLayout.wrap(dataKey, with: customer.key, kind: .customer)
            return (StoredEncryption(kind: .customer, wrappedKey: wrapped, customerKeyMD5: customer.md5), dataKey)
        }
    }

    private func masterKey() async throws -> SymmetricKey {
        do {
            return try await MasterKeyFile.key(root: store.root)
        } catch {
            throw S3ServerError.internalError("cannot read or create the SSE-S3 master key: \(error)")
        }
    }

    /// The data key that opens `encryption`, given the SSE-C headers under `prefix`: SSE-C
    /// objects need their key (400 without it, 403 with another), and SSE-C headers on anything
    /// else are refused as S3 refuses them.
    func dataKey(for encryption: StoredEncryption?, request: ServerRequest, prefix: String = customerPrefix) async throws -> SymmetricKey? {
        let given = try RequestedEncryption.customerKey(request, prefix: prefix)
        guard let encryption else {
            if given != nil {
                throw S3ServerError(.badRequest, .invalidRequest, "The encryption parameters are not applicable to this object.")
            }
            return nil
        }
        switch encryption.kind {
        case .s3:
            if given != nil {
                throw S3ServerError(.badRequest, .invalidRequest, "The encryption parameters are not applicable to this object.")
            }
            guard let key = EncryptionLayout.unwrap(encryption.wrappedKey, with: try await masterKey(), kind: .s3) else {
                throw S3ServerError.internalError("the data key of an SSE-S3 object does not open with the master key")
            }
            return key
        case .customer:
            guard let given else {
                throw S3ServerError(
                    .badRequest, .invalidRequest,
                    "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
            }
            guard given.md5 == encryption.customerKeyMD5,
                let key = EncryptionLayout.unwrap(encryption.wrappedKey, with: given.key, kind: .customer)
            else { throw S3ServerError.accessDenied() }
            return key
        }
    }

    /// The headers S3 answers with about an object's or upload's encryption.
    static func addEncryptionHeaders(_ encryption: StoredEncryption?, to headers: inout HTTPFields) {
        switch encryption?.kind {
        case .s3:
            headers[.amzServerSideEncryption] = "AES256"
        case .customer:
            headers[.amzSSECustomerAlgorithm] = "AES256"
            headers[.amzSSECustomerKeyMD5] = encryption?.customerKeyMD5
        case nil:
            break
        }
    }

    /// What ``transcode(from:opening:range:to:sealingWith:)`` wrote.
    struct Transcoded: Sendable {
        var plainMD5Hex: String
        /// Set when the output was sealed.
        var sealedMD5Hex: String?
        var segment: EncryptedSegment?
    }

    /// Copies the plaintext of `range` of the object at `source` (decrypting it when `opening` is
    /// given) into a new private file at `destination`, sealed when `sealingWith` is given; not
    /// fsynced, as the commit naming it makes it durable. Plaintext only ever passes through
    /// memory, one chunk at a time.
    func transcode(
        from source: String, opening: (encryption: StoredEncryption, key: SymmetricKey)?, range: Range<Int64>,
        to destination: String, sealingWith target: SymmetricKey?
    ) async throws -> Transcoded {
        var plainMD5 = Insecure.MD5()
        var sealer = target.map { SegmentSealer(key: $0) }
        do {
            try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(destination), options: .freshPrivateFile) { output in
                var writer = output.bufferedWriter(capacity: .mebibytes(1))
                func take(_ chunk: ByteBuffer) async throws {
                    let sealed = try chunk.withUnsafeReadableBytes { bytes in
                        plainMD5.update(bufferPointer: bytes)
                        return try sealer?.append(bytes)
                    }
                    if let sealed { try await writer.write(contentsOf: sealed) } else { try await writer.write(contentsOf: chunk) }
                }
                if let opening {
                    try await EncryptedReader(encryption: opening.encryption, key: opening.key, path: source).read(range) { try await take($0) }
                } else {
                    try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(source)) { input in
                        for try await chunk in input.readChunks(in: range, chunkLength: .kibibytes(256)) { try await take(chunk) }
                    }
                }
                if let last = try sealer?.finish() { try await writer.write(contentsOf: last) }
                try await writer.flush()
            }
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            if let error = error as? FileSystemError, error.code == .notFound {
                throw S3ServerError(.notFound, .noSuchKey, "The specified key does not exist.")
            }
            throw S3ServerError.internalError("cannot copy the source: \(error)")
        }
        return Transcoded(
            plainMD5Hex: Digests.hex(plainMD5.finalize()), sealedMD5Hex: sealer.map { Digests.hex($0.sealedMD5.finalize()) },
            segment: sealer.map { EncryptedSegment(size: range.upperBound - range.lowerBound, noncePrefix: $0.segmentNoncePrefix) })
    }

    /// The largest SSE-S3 source the image service decrypts for a render.
    static let maximumEncryptedImageSource: Int64 = 64 << 20

    /// An SSE-S3 image source decrypted for libvips, which reads files: into a 0600 file in
    /// `/dev/shm` (memory, not disk), which the caller removes after the render.
    func decryptedImageSource(_ path: String, encryption: StoredEncryption, request: ServerRequest) async throws -> String {
        let size = encryption.segments.reduce(Int64(0)) { $0 &+ $1.size }
        guard size <= Self.maximumEncryptedImageSource else {
            throw S3ServerError.invalidArgument("The image could not be processed: an encrypted source is limited to \(Self.maximumEncryptedImageSource) bytes.")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue else {
            throw S3ServerError(.notImplemented, .notImplemented, "This server cannot render encrypted sources: it has no /dev/shm.")
        }
        let key = try await dataKey(for: encryption, request: request)
        guard let key else { throw S3ServerError.internalError("no data key for an encrypted source") }
        let copy = "/dev/shm/mss-image-\(UUID.random().uuidString)"
        _ = try await transcode(from: path, opening: (encryption, key), range: 0..<size, to: copy, sealingWith: nil)
        return copy
    }

    /// The body of a GET of an encrypted object: `range` decrypted chunk by chunk. The first chunk
    /// is opened before the answer starts, so a damaged file is a 500; damage further on cuts the
    /// body short (never wrong bytes) and is logged.
    func decryptedBody(path: String, encryption: StoredEncryption, key: SymmetricKey, range: Range<Int64>) async throws -> ResponseBody {
        let reader = EncryptedReader(encryption: encryption, key: key, path: path)
        do {
            try await reader.read(range, firstChunkOnly: true) { _ in }
        } catch let error as EncryptionFailure {
            throw S3ServerError.internalError(error.description)
        } catch let error as FileSystemError where error.code == .notFound {
            throw S3ServerError(.notFound, .noSuchKey, "The specified key does not exist.")
        }
        let logger = self.logger
        return ResponseBody { writer in
            do {
                try await reader.read(range) { try await writer.write($0) }
            } catch {
                logger.error("encrypted object cannot be read", metadata: ["path": "\(path)", "error": "\(error)"])
                throw error
            }
            try await writer.finish(nil)
        }
    }
}
