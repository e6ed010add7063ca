import Foundation
import S3Protocol

/// Applies the connection's signature version to a request, or presigns it.
struct RequestSigner: Sendable {
    var credentials: Credentials?
    var version: SignatureVersion

    /// Adds `Authorization` and its companions to `request`. Anonymous connections add nothing.
    func sign(_ request: inout SignableRequest, resourcePath: String, payloadHash: String, date: Date) {
        guard let credentials else { return }
        switch version {
        case .v2:
            SigV2Signer(credentials: credentials).sign(&request, resourcePath: resourcePath, date: date)
        case .v4(let region):
            SigV4Signer(credentials: credentials, region: region).sign(&request, payloadHash: payloadHash, date: date)
        }
    }

    /// The query of a presigned URL valid until `expires`.
    func presignedQuery(_ request: SignableRequest, resourcePath: String, expires: Date, now: Date) throws
        -> [QueryItem]
    {
        guard let credentials else { return request.query }
        switch version {
        case .v2:
            return SigV2Signer(credentials: credentials).presignedQuery(
                request, resourcePath: resourcePath, expires: Int(expires.timeIntervalSince1970.rounded(.up)))
        case .v4(let region):
            let seconds = Int(expires.timeIntervalSince(now).rounded(.up))
            guard seconds > 0, seconds <= SigV4Signer.maximumPresignExpiry else {
                throw MSSClientError.invalidArgument(
                    "a SigV4 presigned URL must expire between 1 second and 7 days from now; asked for \(seconds) s")
            }
            return SigV4Signer(credentials: credentials, region: region).presignedQuery(
                request, expires: seconds, date: now)
        }
    }
}
