// The two parsers a POST Object request reaches before any signature is checked: the streaming
// multipart/form-data reader and the POST policy document (with its conditions), which must
// never trap whatever the bytes.
//
// Input: a mode byte, then (mode even) a form body for boundary "B", split into pieces at
// positions drawn from a second byte, or (mode odd) a policy document's JSON.
//
// Properties: the form reads the same (fields, file bytes, outcome) whole and in pieces, and
// every range it reports lies inside the piece it was fed; a policy that parses prints JSON that
// parses to the same conditions and an expiration within a millisecond.
import Foundation
import S3Protocol

struct Reading: Equatable {
    var fields: [String] = []
    var file: [UInt8] = []
    var fileStarts = 0
    var fileEnds = 0
    var failure: FormDataParser.Failure?
    var closed = false
}

func read(_ body: [UInt8], pieceLength: Int) -> Reading {
    var parser = FormDataParser(boundary: "B", maximumPreFileBytes: 512)
    var reading = Reading()
    var offset = 0
    repeat {
        let end = min(body.count, offset + pieceLength)
        let piece = Array(body[offset..<end])
        do {
            let events = try piece.withUnsafeBytes { try parser.feed($0) }
            for event in events {
                switch event {
                case .field(let name, let value): reading.fields.append(name + "=" + value)
                case .fileStart: reading.fileStarts += 1
                case .fileEnd: reading.fileEnds += 1
                case .fileBytes(.held(let bytes)): reading.file += bytes
                case .fileBytes(.input(let range)):
                    precondition(range.lowerBound >= 0 && range.upperBound <= piece.count, "range \(range) outside a piece of \(piece.count)")
                    reading.file += piece[range]
                }
            }
        } catch {
            reading.failure = error as? FormDataParser.Failure
            return reading
        }
        offset = end
    } while offset < body.count
    reading.closed = parser.isClosed
    precondition(reading.fileStarts <= 1 && reading.fileEnds <= reading.fileStarts)
    return reading
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if bytes[0] & 1 == 0 {
        let body = Array(bytes[2...])
        let whole = read(body, pieceLength: max(body.count, 1))
        let pieces = read(body, pieceLength: Int(bytes[1] % 17) + 1)
        // A failure may come at a different event in pieces (the pre-file bound is counted as
        // bytes arrive), so only successful readings must agree exactly.
        if whole.failure == nil && pieces.failure == nil {
            precondition(whole == pieces, "whole and pieces differ")
        } else {
            precondition((whole.failure == nil) == (pieces.failure == nil) || whole.failure == .preFileDataTooLarge || pieces.failure == .preFileDataTooLarge,
                         "one reading failed, the other did not")
        }
    } else {
        if let policy = try? PostPolicy(json: Data(bytes[1...])) {
            guard let again = try? PostPolicy(json: policy.json()) else { preconditionFailure("printed policy unreadable") }
            precondition(again.conditions == policy.conditions, "conditions changed in a round trip")
            precondition(abs(again.expiration.timeIntervalSince(policy.expiration)) < 0.001_1, "expiration changed")
            _ = try? policy.check(fields: [(name: "key", value: "k"), (name: "Content-Type", value: "a, b")], bucket: "b")
            _ = policy.allowedSizes
        }
    }
    return 0
}
