import Crypto
import Foundation
import NIOCore
import S3Protocol

/// Decodes an `aws-chunked` body incrementally: `SIZE[;chunk-signature=SIG]\r\nDATA\r\n` … a
/// zero-size chunk, then optional trailer lines and a blank line.
///
/// With a ``SigV4Context`` every chunk signature is checked against the chain that starts at the
/// request's seed signature, so a body altered in transit is refused before it is stored.
struct AWSChunkedDecoder {
    private enum State {
        case header
        case data(remaining: Int)
        case dataCRLF
        case trailers
        case done
    }

    /// Longest chunk header or trailer line accepted.
    static let maximumLineLength = 4096

    private var state = State.header
    private var line: [UInt8] = []
    private var chunkHash = SHA256()
    private var chunkSignature: String?
    private var previousSignature: String?
    private let context: SigV4Context?
    private(set) var trailers: [String: String] = [:]
    private(set) var decodedLength: Int64 = 0

    init(verifying context: SigV4Context?) {
        self.context = context
        previousSignature = context?.seedSignature
    }

    var isFinished: Bool {
        if case .done = state { true } else { false }
    }

    /// Consumes `buffer` and returns the payload bytes it held.
    mutating func feed(_ buffer: ByteBuffer) throws(S3ServerError) -> [ByteBuffer] {
        var buffer = buffer
        var output: [ByteBuffer] = []
        while buffer.readableBytes > 0 {
            switch state {
            case .header, .trailers, .dataCRLF:
                guard let byte = buffer.readInteger(as: UInt8.self) else { break }
                guard line.count < Self.maximumLineLength else { throw Self.malformed("chunk header too long") }
                line.append(byte)
                if line.count >= 2 && line[line.count - 2] == 13 && byte == 10 {
                    let text = String(decoding: line.dropLast(2), as: UTF8.self)
                    line.removeAll(keepingCapacity: true)
                    try handleLine(text)
                }
            case .data(let remaining):
                let count = min(remaining, buffer.readableBytes)
                guard let slice = buffer.readSlice(length: count) else { break }
                if context != nil { slice.withUnsafeReadableBytes { chunkHash.update(bufferPointer: $0) } }
                output.append(slice)
                decodedLength += Int64(count)
                state = remaining - count == 0 ? .dataCRLF : .data(remaining: remaining - count)
            case .done:
                throw Self.malformed("data after the final chunk")
            }
        }
        return output
    }

    private mutating func handleLine(_ text: String) throws(S3ServerError) {
        switch state {
        case .header:
            let parts = text.split(separator: ";", maxSplits: 1)
            guard let sizeText = parts.first, let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0
            else { throw Self.malformed("bad chunk size '\(text.prefix(40))'") }
            chunkSignature = nil
            if parts.count == 2 {
                let extensionText = parts[1].trimmingCharacters(in: .whitespaces)
                guard extensionText.hasPrefix("chunk-signature=") else { throw Self.malformed("unknown chunk extension") }
                chunkSignature = String(extensionText.dropFirst("chunk-signature=".count))
            }
            if context != nil && chunkSignature == nil {
                throw S3ServerError(403, .signatureDoesNotMatch, "A chunk of the signed streaming payload has no signature.")
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
                state = .done
                return
            }
            guard let colon = text.firstIndex(of: ":") else { throw Self.malformed("bad trailer line") }
            let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            trailers[name] = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        case .data, .done:
            break
        }
    }

    private mutating func verifyChunk() throws(S3ServerError) {
        guard let context, let given = chunkSignature, let previous = previousSignature else { return }
        let expected = context.signer.chunkSignature(
            chunkSHA256Hex: Digests.hex(chunkHash.finalize()), previousSignature: previous, date: context.date)
        guard Digests.constantTimeEquals(expected, given) else {
            throw S3ServerError(403, .signatureDoesNotMatch, "The chunk signature we calculated does not match the signature you provided.")
        }
        previousSignature = expected
    }

    static func malformed(_ detail: String) -> S3ServerError {
        S3ServerError(400, .incompleteBody, "The aws-chunked body is malformed: \(detail)")
    }
}
