import Foundation
import HTTPTypes
import S3Protocol
import Synchronization

/// Presigned URLs whose requests verified lately, so that the same request again costs a lookup
/// rather than a canonical request, two hashes and an HMAC (``FastReads``: a page showing the
/// same presigned image a thousand times, a load test).
///
/// What is remembered is exact. A request is split into its signature and everything else (the
/// method, the target with the signature's place marked, and every header, in order), which is
/// all a signature's verification reads besides the clock. The same everything-else with the same
/// signature therefore verifies the same way, as long as the URL has not expired: the
/// verification's other time check, a date too far in the future, only gets easier to pass.
/// The signature is compared in constant time, as ``Authenticator`` compares it.
///
/// Bounded: past `capacity` URLs it starts again empty.
final class VerifiedPresignedURLs: Sendable {
    /// A request without its signature, and the signature.
    struct Parts: Sendable {
        var request: String
        var signature: Substring
    }

    private struct Verified: Sendable {
        var signature: String
        var user: ServerUser
        var validUntil: Date
    }

    private let verified = Mutex<[String: Verified]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// `target`'s query must hold exactly one `X-Amz-Signature` or `Signature` parameter, spelled
    /// so, the target only printable ASCII (so the mark cannot be forged), and no `Authorization`
    /// header may be present; otherwise nil (nothing to remember).
    static func parts(method: String, target: Substring, authority: String?, fields: HTTPFields) -> Parts? {
        // Bytes, not Characters: this runs on every presigned GET, and grapheme breaking was a
        // fifth of the request's time.
        let bytes = target.utf8
        guard fields[.authorization] == nil, let mark = bytes.firstIndex(of: UInt8(ascii: "?")),
            bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        var request: [UInt8] = []
        request.reserveCapacity(method.utf8.count + bytes.count + 256)
        request += method.utf8
        request.append(UInt8(ascii: " "))
        request += bytes[...mark]
        var signature: Substring.UTF8View.SubSequence? = nil
        var start = bytes.index(after: mark)
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let parameter = bytes[start..<end]
            if let name = signatureNames.first(where: { parameter.starts(with: $0) }) {
                guard signature == nil else { return nil }
                signature = parameter.dropFirst(name.count)
                // Marked, not dropped: the signature's place is part of the request.
                request.append(0)
            } else {
                request += parameter
            }
            guard end < bytes.endIndex else { break }
            request.append(UInt8(ascii: "&"))
            start = bytes.index(after: end)
        }
        guard let signature else { return nil }
        if let authority {
            request += "\n@".utf8
            request += authority.utf8
        } else {
            request += "\n-".utf8
        }
        for field in fields {
            request.append(UInt8(ascii: "\n"))
            request += field.name.canonicalName.utf8
            request.append(UInt8(ascii: ":"))
            request += field.value.utf8
        }
        return Parts(request: String(decoding: request, as: UTF8.self), signature: Substring(signature))
    }

    private static let signatureNames: [[UInt8]] = [Array("X-Amz-Signature=".utf8), Array("Signature=".utf8)]

    /// The signer of `parts`, if the same request with the same signature verified and has not
    /// expired.
    func user(_ parts: Parts, now: Date = Date()) -> ServerUser? {
        guard let known = verified.withLock({ $0[parts.request] }), now <= known.validUntil,
            Digests.constantTimeEquals(known.signature, String(parts.signature))
        else { return nil }
        return known.user
    }

    /// Remembers that `parts` verified as `authentication` (a presigned URL's).
    func remember(_ parts: Parts, _ authentication: Authentication) {
        guard let user = authentication.identity.user, let validUntil = authentication.validUntil else { return }
        let entry = Verified(signature: String(parts.signature), user: user, validUntil: validUntil)
        verified.withLock { verified in
            if verified.count >= capacity { verified.removeAll() }
            verified[parts.request] = entry
        }
    }
}
