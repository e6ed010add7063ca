public import Crypto
public import Foundation
import Synchronization

/// The SigV4 signing keys derived lately, by access key, secret, day, region and service:
/// deriving one takes four HMACs, and every request of a day from one user to one service in one
/// region needs the same key.
/// Bounded: past `capacity` entries it starts again empty. The server keeps one for everyone it
/// verifies, a connection one for the requests it signs.
public final class SigningKeyCache: Sendable {
    private struct Name: Hashable {
        var accessKey: String
        var secretKey: String
        var day: String
        var region: String
        var service: String
    }

    private let keys = Mutex<[Name: SymmetricKey]>([:])
    private let capacity: Int

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// `signer`'s signing key for `date`'s day.
    public func key(for signer: SigV4Signer, date: Date) -> SymmetricKey {
        let name = Name(
            accessKey: signer.credentials.accessKey, secretKey: signer.credentials.secretKey, day: HTTPDate.yyyymmdd(date),
            region: signer.region, service: signer.service)
        if let known = keys.withLock({ $0[name] }) { return known }
        let derived = signer.signingKey(date: date)
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll() }
            keys[name] = derived
        }
        return derived
    }
}
