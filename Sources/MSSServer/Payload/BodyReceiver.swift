import Crypto
import Foundation
import Hummingbird
import NIOCore
import NIOFileSystem
import S3Protocol

/// A request body written to a temporary file (or, when small, only held in memory) and
/// checked against everything the request claimed about it: length, Content-MD5, the signed
/// SHA-256 or chunk signatures, and `x-amz-checksum-*` values (in headers or trailers).
struct ReceivedBody: Sendable {
    /// The file the body was written to; nil when it was only held in memory (``bytes``).
    var file: String?
    var size: Int64
    var md5Hex: String
    /// Checksums the client asked for, verified, base64 by algorithm name (`crc32`, `crc32c`, `sha256`).
    var checksums: [String: String]
    /// When the body was sealed on the way in: the segment written and the MD5 of its sealed bytes.
    var sealed: (segment: EncryptedSegment, md5Hex: String)? = nil
    /// The whole body, when it was at most the `keepingUpTo` bytes asked for and not sealed, or
    /// when it was held in memory instead of written.
    var bytes: ByteBuffer? = nil

    /// Where the body is, for the store's commit; one held in memory is written to `staging`.
    func source(staging: String) -> IncomingData.Source? {
        if let file { return .file(file) }
        return bytes.map { .memory($0, staging: staging) }
    }
}

enum BodyReceiver {
    static let maximumObjectSize = S3Limits.maximumPutSize

    /// Streams `request`'s body to `path`; on any failure the file is removed and an S3 error thrown.
    /// With `sealingWith`, the body is encrypted as it arrives (see ``StoredEncryption``), so its
    /// plaintext never reaches the disk; lengths and digests are still those of the plaintext.
    /// The file is not fsynced: the store's commit of the object or part makes it durable with
    /// the record that names it (``DurabilityBarrier``). A body of at most `keepingUpTo` bytes
    /// is also returned in memory (``ReceivedBody/bytes``). A body that declares a length of at
    /// most `holdingUpTo` bytes, and is not sealed, is not written at all: it is only held in
    /// memory, and refused as soon as it brings more than it declared.
    static func receive(
        _ request: ServerRequest, authentication: Authentication, to path: String, sealingWith dataKey: SymmetricKey? = nil,
        keepingUpTo limit: Int = 0, holdingUpTo holdLimit: Int = 0
    ) async throws -> ReceivedBody {
        // What the signature covers decides: a presigned URL's X-Amz-Content-Sha256, the signed
        // header; a header nobody signed (anonymous requests) only describes the body.
        let mode = try PayloadMode(payloadHash: authentication.payloadHash ?? request.header("x-amz-content-sha256"))
        let isChunked = !mode.isPlain || request.header("content-encoding")?.contains("aws-chunked") == true
        let declared = try declaredLength(request, header: isChunked ? "x-amz-decoded-content-length" : "content-length")
        guard isChunked || declared != nil || request.header("transfer-encoding") != nil else {
            throw S3ServerError(.lengthRequired, .missingContentLength, "You must provide the Content-Length HTTP header.")
        }
        var decoder: AWSChunkedDecoder?
        switch mode {
        case .signedChunks(let trailer):
            guard let verification = authentication.v4 else {
                throw S3ServerError(.badRequest, .invalidRequest, "A signed streaming payload needs SigV4 header authentication.")
            }
            decoder = AWSChunkedDecoder(verifying: verification, signedTrailer: trailer)
        case .unsignedChunks, .plain:
            decoder = isChunked ? AWSChunkedDecoder(verifying: nil) : nil
        }
        // Everything the headers can refuse has been refused: the client may send the body.
        request.continueGate.open()
        let wanted = requestedChecksums(request)
        var md5 = Insecure.MD5()
        let signedHash: String? = if case .plain(let hash) = mode { hash } else { nil }
        var sha256: SHA256? = wanted["sha256"] != nil || signedHash != nil ? SHA256() : nil
        var crc32: CRC32? = wanted["crc32"] != nil ? CRC32(.ieee) : nil
        var crc32c: CRC32? = wanted["crc32c"] != nil ? CRC32(.castagnoli) : nil
        var size: Int64 = 0
        var sealer = dataKey.map { SegmentSealer(key: $0) }
        let held: Int64? = if holdLimit > 0, let declared, sealer == nil, declared <= Int64(holdLimit) { declared } else { nil }
        var kept: ByteBuffer? = (limit > 0 || held != nil) && sealer == nil ? ByteBuffer() : nil

        // Reads the body, checking and digesting it, and hands each piece to `deliver`.
        func consume(_ deliver: (ByteBuffer) async throws -> Void) async throws {
            for try await buffer in request.body {
                let pieces: [ByteBuffer]
                if var active = decoder {
                    let ranges = try buffer.withUnsafeReadableBytes { bytes throws(S3ServerError) in
                        do throws(AWSChunkedDecoder.Failure) {
                            return try active.feed(bytes)
                        } catch {
                            throw error.kind == .signatureMismatch
                                ? S3ServerError(.forbidden, .signatureDoesNotMatch, error.detail)
                                : S3ServerError(.badRequest, .incompleteBody, error.detail)
                        }
                    }
                    decoder = active
                    pieces = ranges.compactMap { buffer.getSlice(at: buffer.readerIndex + $0.lowerBound, length: $0.count) }
                } else {
                    pieces = [buffer]
                }
                for piece in pieces {
                    piece.withUnsafeReadableBytes { bytes in
                        md5.update(bufferPointer: bytes)
                        sha256?.update(bufferPointer: bytes)
                        crc32?.update(bytes)
                        crc32c?.update(bytes)
                    }
                    size += Int64(piece.readableBytes)
                    if size > maximumObjectSize {
                        throw S3ServerError(.badRequest, .entityTooLarge, "Your proposed upload exceeds the maximum allowed size")
                    }
                    if let held, size > held {
                        throw S3ServerError(.badRequest, .incompleteBody, "The body is longer than the length it declared.")
                    }
                    if kept != nil {
                        if size <= Int64(limit) || held != nil { kept?.writeImmutableBuffer(piece) } else { kept = nil }
                    }
                    try await deliver(piece)
                }
            }
        }

        do {
            if held != nil {
                try await consume { _ in }
            } else {
                try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .freshPrivateFile) { handle in
                    var writer = handle.bufferedWriter(capacity: .mebibytes(1))
                    try await consume { piece in try await writer.write(piece, sealingWith: &sealer) }
                    if let last = try sealer?.finish() { try await writer.write(contentsOf: last) }
                    try await writer.flush()
                }
            }
        } catch {
            if held == nil { try? FileManager.default.removeItem(atPath: path) }
            if let error = error as? S3ServerError { throw error }
            throw S3ServerError(.badRequest, .incompleteBody, "The request body could not be read completely.")
        }

        do {
            if let decoder, !decoder.isFinished {
                throw S3ServerError(.badRequest, .incompleteBody, "The aws-chunked body ended before its final chunk.")
            }
            if let declared, declared != size {
                throw S3ServerError(.badRequest, .incompleteBody, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
            }
            let md5Digest = Data(md5.finalize())
            if let contentMD5 = request.header("content-md5") {
                guard let given = Data(base64Encoded: contentMD5), given.count == 16 else {
                    throw S3ServerError(.badRequest, .invalidDigest, "The Content-MD5 you specified was invalid.")
                }
                guard given == md5Digest else {
                    throw S3ServerError(.badRequest, .badDigest, "The Content-MD5 you specified did not match what we received.")
                }
            }
            var sha256Digest: [UInt8]?
            if let sha256 { sha256Digest = Array(sha256.finalize()) }
            if let signedHash, let sha256Digest, Digests.hex(sha256Digest) != signedHash {
                throw S3ServerError(.badRequest, .xAmzContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
            }
            var computed: [String: String] = [:]
            if let crc32 { computed["crc32"] = crc32.base64 }
            if let crc32c { computed["crc32c"] = crc32c.base64 }
            if let sha256Digest { computed["sha256"] = Data(sha256Digest).base64EncodedString() }
            var verified: [String: String] = [:]
            for (algorithm, source) in wanted {
                let given: String?
                switch source {
                case .header(let value): given = value
                case .trailer: given = decoder?.trailers["x-amz-checksum-\(algorithm)"]
                }
                guard let given else {
                    throw S3ServerError(.badRequest, .invalidRequest, "The x-amz-checksum-\(algorithm) trailer was announced but not sent.")
                }
                guard given == computed[algorithm] else {
                    throw S3ServerError(.badRequest, .badDigest, "The \(algorithm.uppercased()) you specified did not match the calculated checksum.")
                }
                verified[algorithm] = given
            }
            var body = ReceivedBody(file: held == nil ? path : nil, size: size, md5Hex: Digests.hex(md5Digest), checksums: verified, bytes: kept)
            if let sealer {
                body.sealed = (EncryptedSegment(size: size, noncePrefix: sealer.segmentNoncePrefix), Digests.hex(sealer.sealedMD5.finalize()))
            }
            return body
        } catch {
            if held == nil { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
    }

    /// The length a header declares: nil when absent, EntityTooLarge past S3's limit (however
    /// many digits), InvalidArgument when it is not a number.
    private static func declaredLength(_ request: ServerRequest, header: String) throws(S3ServerError) -> Int64? {
        guard let text = request.header(header) else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw S3ServerError.invalidArgument("\(header) must be a non-negative number of bytes.")
        }
        // Digits only by now, so nil means more than 18 significant digits: far too large too.
        guard let value = S3Limits.decimal(text), value <= maximumObjectSize else {
            throw S3ServerError(.badRequest, .entityTooLarge, "Your proposed upload exceeds the maximum allowed size")
        }
        return value
    }

    private enum ChecksumSource {
        case header(String)
        case trailer
    }

    /// The checksums a request announces, in headers or as trailers (`x-amz-trailer`).
    private static func requestedChecksums(_ request: ServerRequest) -> [String: ChecksumSource] {
        var wanted: [String: ChecksumSource] = [:]
        for algorithm in ["crc32", "crc32c", "sha256"] {
            if let value = request.header("x-amz-checksum-\(algorithm)") { wanted[algorithm] = .header(value) }
        }
        for name in (request.header("x-amz-trailer") ?? "").split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
            if trimmed.hasPrefix("x-amz-checksum-") {
                let algorithm = String(trimmed.dropFirst("x-amz-checksum-".count))
                if ["crc32", "crc32c", "sha256"].contains(algorithm) { wanted[algorithm] = .trailer }
            }
        }
        return wanted
    }
}
