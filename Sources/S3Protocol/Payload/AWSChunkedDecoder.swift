import Crypto
public import Foundation

/// Decodes an `aws-chunked` body incrementally: `SIZE[;chunk-signature=SIG]\r\nDATA\r\n` … a
/// zero-size chunk, then optional trailer lines (`name:value`) and a blank line.
///
/// With a ``Verification`` every chunk signature is checked against the chain that starts at the
/// request's seed signature, and with `signedTrailer` the `x-amz-trailer-signature` line must sign
/// the trailers, so a body altered in transit is refused before it is stored. Everything the
/// sender controls is bounded: line lengths, the number and size of trailers, and chunk sizes.
public struct AWSChunkedDecoder: Sendable {
    /// What the seed signature of a SigV4 request chains the chunk signatures to.
    public struct Verification: Sendable {
        public var signer: SigV4Signer
        public var date: Date
        public var seedSignature: String

        public init(signer: SigV4Signer, date: Date, seedSignature: String) {
            self.signer = signer
            self.date = date
            self.seedSignature = seedSignature
        }
    }

    /// Why a body was refused.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Kind: Sendable, Hashable {
            /// The framing is broken or over a limit: answer 400 IncompleteBody.
            case malformed
            /// A chunk or trailer signature is missing or wrong: answer 403 SignatureDoesNotMatch.
            case signatureMismatch
        }

        public var kind: Kind
        public var detail: String
        public var description: String { detail }
    }

    private enum State: Sendable {
        case header
        case data(remaining: Int)
        case dataCRLF
        case trailers
        case done
    }

    /// Longest chunk header or trailer line accepted.
    public static let maximumLineLength = 4096
    /// Most trailer lines, and most trailer bytes in all, accepted (S3 sends one checksum and,
    /// when signed, its signature).
    public static let maximumTrailerCount = 16
    public static let maximumTrailerBytes = 16 << 10
    /// The largest chunk accepted; S3's SDKs send 64 KiB to 1 MiB.
    public static let maximumChunkSize = 64 << 20

    private var state = State.header
    private var line: [UInt8] = []
    private var chunkHash = SHA256()
    private var chunkSignature: String?
    private var previousSignature: String?
    private let verification: Verification?
    private let signedTrailer: Bool
    private var trailerBytes = 0
    private var trailerSignature: String?
    /// Trailer values by lower-case name, the `x-amz-trailer-signature` line excepted.
    public private(set) var trailers: [String: String] = [:]
    /// Payload bytes produced so far.
    public private(set) var decodedLength: Int64 = 0

    /// - Parameters:
    ///   - verification: checks every chunk signature (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD…`); nil
    ///     for unsigned chunks (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
    ///   - signedTrailer: the trailers carry `x-amz-trailer-signature`
    ///     (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`); needs `verification`.
    public init(verifying verification: Verification?, signedTrailer: Bool = false) {
        self.verification = verification
        self.signedTrailer = signedTrailer && verification != nil
        previousSignature = verification?.seedSignature
    }

    /// True once the final chunk and the trailers have been read.
    public var isFinished: Bool {
        if case .done = state { true } else { false }
    }

    /// Consumes `bytes` and returns where the payload bytes are within them, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [Range<Int>] {
        var output: [Range<Int>] = []
        var index = 0
        while index < bytes.count {
            switch state {
            case .header, .trailers, .dataCRLF:
                let byte = bytes[index]
                index += 1
                guard line.count < Self.maximumLineLength else { throw Self.malformed("a chunk header or trailer line is too long") }
                line.append(byte)
                if line.count >= 2 && line[line.count - 2] == 13 && byte == 10 {
                    let text = String(decoding: line.dropLast(2), as: UTF8.self)
                    line.removeAll(keepingCapacity: true)
                    try handleLine(text)
                }
            case .data(let remaining):
                let count = min(remaining, bytes.count - index)
                if verification != nil {
                    chunkHash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + count)]))
                }
                output.append(index..<(index + count))
                index += count
                decodedLength += Int64(count)
                state = remaining - count == 0 ? .dataCRLF : .data(remaining: remaining - count)
            case .done:
                throw Self.malformed("data after the final chunk")
            }
        }
        return output
    }

    /// Consumes `bytes` and returns the payload bytes they held.
    public mutating func feed(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        let result: Result<[UInt8], Failure> = bytes.withUnsafeBytes { buffer in
            do throws(Failure) {
                return .success(try feed(buffer).flatMap { Array(buffer[$0]) })
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func handleLine(_ text: String) throws(Failure) {
        switch state {
        case .header:
            let parts = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            let sizeText = (parts.first ?? "").trimmingCharacters(in: .whitespaces)
            // At most 8 hex digits, so the value cannot overflow before the bound is checked.
            guard !sizeText.isEmpty, sizeText.utf8.count <= 8, sizeText.utf8.allSatisfy(\.isHexDigit),
                let size = Int(sizeText, radix: 16)
            else {
                throw Self.malformed("bad chunk size '\(text.prefix(40))'")
            }
            guard size <= Self.maximumChunkSize else { throw Self.malformed("a chunk of \(size) bytes is over the limit") }
            chunkSignature = nil
            if parts.count == 2 {
                let extensionText = parts[1].trimmingCharacters(in: .whitespaces)
                guard extensionText.hasPrefix("chunk-signature=") else { throw Self.malformed("unknown chunk extension") }
                chunkSignature = String(extensionText.dropFirst("chunk-signature=".count))
            }
            if verification != nil && chunkSignature == nil {
                throw Failure(kind: .signatureMismatch, detail: "A chunk of the signed streaming payload has no signature.")
            }
            chunkHash = SHA256()
            if size == 0 {
                try verifyChunk()
                state = .trailers
            } else {
                state = .data(remaining: size)
            }
        case .dataCRLF:
            guard text.isEmpty else { throw Self.malformed("chunk data longer than its declared size") }
            try verifyChunk()
            state = .header
        case .trailers:
            if text.isEmpty {
                try verifyTrailers()
                state = .done
                return
            }
            trailerBytes += text.utf8.count
            guard trailers.count < Self.maximumTrailerCount, trailerBytes <= Self.maximumTrailerBytes else {
                throw Self.malformed("too many trailers")
            }
            guard let colon = text.firstIndex(of: ":") else { throw Self.malformed("bad trailer line") }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw Self.malformed("bad trailer line") }
            if name == "x-amz-trailer-signature" {
                guard trailerSignature == nil else { throw Self.malformed("two trailer signatures") }
                trailerSignature = value
            } else {
                guard trailerSignature == nil else { throw Self.malformed("a trailer after the trailer signature") }
                guard trailers[name] == nil else { throw Self.malformed("trailer \(name) sent twice") }
                trailers[name] = value
            }
        case .data, .done:
            break
        }
    }

    private mutating func verifyChunk() throws(Failure) {
        guard let verification, let given = chunkSignature, let previous = previousSignature else { return }
        let expected = verification.signer.chunkSignature(
            chunkSHA256Hex: Digests.hex(chunkHash.finalize()), previousSignature: previous, date: verification.date)
        guard Digests.constantTimeEquals(expected, given) else {
            throw Failure(kind: .signatureMismatch, detail: "The chunk signature we calculated does not match the signature you provided.")
        }
        previousSignature = expected
    }

    private func verifyTrailers() throws(Failure) {
        guard signedTrailer else {
            if trailerSignature != nil { throw Self.malformed("a trailer signature on an unsigned payload") }
            return
        }
        guard let verification, let previous = previousSignature, let given = trailerSignature else {
            throw Failure(kind: .signatureMismatch, detail: "The signed trailer has no x-amz-trailer-signature.")
        }
        let expected = verification.signer.trailerSignature(trailers: trailers, previousSignature: previous, date: verification.date)
        guard Digests.constantTimeEquals(expected, given) else {
            throw Failure(kind: .signatureMismatch, detail: "The trailer signature we calculated does not match the signature you provided.")
        }
    }

    static func malformed(_ detail: String) -> Failure {
        Failure(kind: .malformed, detail: "The aws-chunked body is malformed: \(detail)")
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (48...57).contains(self) || (65...70).contains(self) || (97...102).contains(self)
    }
}
