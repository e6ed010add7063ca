// The aws-chunked decoder on any body, cut into pieces at fuzzer-chosen points, with and without
// signature verification: it reads chunk sizes, extensions and trailers straight off the socket of
// a streaming PUT, so it must never trap, and the way the body is cut must not change what it does.
//
// Input: a mode byte (bit 0: verify against the published S3 streaming example's keys and seed
// signature, so seeds built from them get past the first chunk; bit 1: signed trailer; bit 2:
// feed `[UInt8]` rather than a raw buffer), a split byte (0: one feed; else it seeds the piece
// lengths, 1 to 64 bytes), then the body.
// Properties: the payload ranges handed back lie inside the piece, in order, without overlap; they
// add up to `decodedLength`; nothing is accepted after the decoder says it is finished.
import Foundation
import S3Protocol

let verification = AWSChunkedDecoder.Verification(
    signer: SigV4Signer(
        credentials: Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1"),
    date: Date(timeIntervalSince1970: 1_369_353_600),  // 20130524T000000Z
    seedSignature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let mode = data[0]
    var split = UInt32(data[1])
    let body = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    var decoder = AWSChunkedDecoder(verifying: mode & 1 != 0 ? verification : nil, signedTrailer: mode & 2 != 0)

    var produced: Int64 = 0
    var offset = 0
    while offset < body.count {
        var length = body.count - offset
        if split != 0 {
            split = split &* 1_103_515_245 &+ 12345  // a small LCG: the same cuts for the same input
            length = min(length, Int(split >> 16 & 63) + 1)
        }
        let piece = UnsafeRawBufferPointer(rebasing: body[offset..<(offset + length)])
        offset += length
        let wasFinished = decoder.isFinished
        do {
            if mode & 4 != 0 {
                produced += Int64(try decoder.feed(Array(piece)).count)
            } else {
                var previousEnd = 0
                for range in try decoder.feed(piece) {
                    precondition(range.lowerBound >= previousEnd && range.lowerBound <= range.upperBound && range.upperBound <= piece.count,
                        "range \(range) out of a \(piece.count)-byte piece")
                    previousEnd = range.upperBound
                    produced += Int64(range.count)
                }
            }
        } catch {
            return 0
        }
        precondition(!wasFinished, "bytes accepted after the final chunk")
        precondition(produced == decoder.decodedLength, "produced \(produced), decodedLength \(decoder.decodedLength)")
    }
    return 0
}
