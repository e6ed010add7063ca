import Foundation
import S3Protocol

/// Applies the connection's signature version to a request, or presigns it.
struct RequestSigner: Sendable {
    var credentials: Credentials?
    var version: SignatureVersion
    /// The connection's SigV4 signing keys of the day, kept between requests.
    var signingKeys: SigningKeyCache? = nil

    /// 9999-12-31T23:59:59Z: a SigV2 expiry has no upper bound of its own, but dates past it cannot
    /// be written and help no one.
    static let latestV2Expiry: Double = 253_402_300_799

    /// Adds `Authorization` and its companions to `request`. Anonymous connections add nothing.
    func sign(_ request: inout SignableRequest, resourcePath: String, payloadHash: String, date: Date) {
        guard let credentials else { return }
        switch version {
        case .v2:
            SigV2Signer(credentials: credentials).sign(&request, resourcePath: resourcePath, date: date)
        case .v4(let region):
            SigV4Signer(credentials: credentials, region: region).sign(
                &request, payloadHash: payloadHash, date: date, signingKeys: signingKeys)
        }
    }

    /// The query of a presigned URL valid until `expires`.
    func presignedQuery(_ request: SignableRequest, resourcePath: String, expires: Date, now: Date) throws
        -> [QueryItem]
    {
        guard let credentials else { return request.query }
        // Double-to-Int conversions trap out of range (and on NaN or infinity), so every expiry is
        // checked as a Double first.
        switch version {
        case .v2:
            let epoch = expires.timeIntervalSince1970.rounded(.up)
            guard epoch.isFinite, epoch >= 0, epoch <= Self.latestV2Expiry else {
                throw MSSClientError.invalidArgument(
                    "a SigV2 presigned URL must expire between 1970 and the year 9999; asked for \(expires.timeIntervalSince(now)) s from now")
            }
            return SigV2Signer(credentials: credentials).presignedQuery(
                request, resourcePath: resourcePath, expires: Int(epoch))
        case .v4(let region):
            let interval = expires.timeIntervalSince(now).rounded(.up)
            guard interval.isFinite, interval >= 1, interval <= Double(SigV4Signer.maximumPresignExpiry) else {
                throw MSSClientError.invalidArgument(
                    "a SigV4 presigned URL must expire between 1 second and 7 days from now; asked for \(interval) s")
            }
            return SigV4Signer(credentials: credentials, region: region).presignedQuery(
                request, expires: Int(interval), date: now)
        }
    }
}
