public import Foundation

/// The signatures of a POST policy: the client signs the base64 `policy` field, the server
/// checks it with the same code.
public enum PostPolicySignature {
    /// SigV4: hex HMAC-SHA256 of the base64 policy with the signing key of `date`'s day and `region`.
    public static func v4(policy: String, credentials: Credentials, region: String, date: Date) -> String {
        SigV4Signer(credentials: credentials, region: region).signature(stringToSign: policy, date: date)
    }

    /// SigV2: base64 HMAC-SHA1 of the base64 policy with the secret key.
    public static func v2(policy: String, credentials: Credentials) -> String {
        SigV2Signer(credentials: credentials).signature(stringToSign: policy)
    }

    /// The parts of a SigV4 `x-amz-credential` field: `AKID/YYYYMMDD/region/s3/aws4_request`.
    public struct Credential: Sendable, Hashable {
        public var accessKey: String
        public var day: String
        public var region: String

        /// Nil unless the value has the five parts, an 8-digit day, and ends `s3/aws4_request`.
        public init?(parsing value: String) {
            guard value.utf8.count <= 512 else { return nil }
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 5, !parts[0].isEmpty, parts[1].utf8.count == 8,
                parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), !parts[2].isEmpty,
                parts[3] == "s3", parts[4] == "aws4_request"
            else { return nil }
            accessKey = String(parts[0])
            day = String(parts[1])
            region = String(parts[2])
        }

        /// Midnight UTC of the credential's day; nil for a day that does not exist.
        public var date: Date? { HTTPDate.parseISO8601Basic(day + "T000000Z") }
    }
}
