public import Foundation
public import S3Protocol

extension S3Connection {
    /// A signed browser upload form (S3's POST Object) for `key` in `bucket`, valid until `expiry`.
    ///
    /// The policy is signed with the connection's signature version: SigV4 (`x-amz-algorithm`,
    /// `x-amz-credential`, `x-amz-date`, `x-amz-signature`) or SigV2 (`AWSAccessKeyId`,
    /// `signature`). It always holds the bucket and the key; the key may contain
    /// `${filename}`, which the server replaces with the uploaded file's name (the policy then
    /// allows any key starting with the text before it). Each of `fields` is sent with the form
    /// and, unless one of `conditions` already names it, required to be exactly that value.
    /// An anonymous connection gets an unsigned form, which only a bucket granting anonymous
    /// WRITE accepts.
    ///
    /// - Parameters:
    ///   - fields: form fields such as `Content-Type`, `acl`, `x-amz-meta-*`, `tagging`,
    ///     `success_action_status`, `success_action_redirect`.
    ///   - conditions: further conditions: `PostPolicyCondition/startsWith(field:prefix:)` for
    ///     a field the browser fills in, `PostPolicyCondition/contentLengthRange(minimum:maximum:)`
    ///     to bound the file's size.
    /// - Throws: ``MSSClientError`` for an invalid bucket or key, an expiry that is not in the
    ///   future, or credentials that are not available.
    public func presignedPost(
        bucket: String, key: String, expiry: Expiry, fields: [String: String] = [:], conditions: [PostPolicyCondition] = [],
        now: Date = Date()
    ) throws -> PresignedPost {
        try Bucket.validateExisting(bucket)
        try Key.validate(key)
        for name in fields.keys {
            let lower = name.lowercased()
            guard !name.isEmpty, !["key", "file", "policy", "signature", "awsaccesskeyid", "x-amz-signature"].contains(lower)
            else {
                throw MSSClientError.invalidArgument("the field '\(name)' is set by presignedPost itself and cannot be given")
            }
        }
        for case .contentLengthRange(let minimum, let maximum) in conditions where minimum > maximum {
            throw MSSClientError.invalidArgument("content-length-range \(minimum)...\(maximum) allows no size")
        }
        // Whole seconds: the policy's ISO 8601 text carries no finer time, so ``PresignedPost/policy``
        // is exactly the document the server decodes.
        let expiration = Date(timeIntervalSince1970: expiry.date(from: now).timeIntervalSince1970.rounded(.down))
        guard expiration > now else { throw MSSClientError.invalidArgument("a POST policy must expire in the future") }
        guard expiration.timeIntervalSince1970 <= RequestSigner.latestV2Expiry else {
            throw MSSClientError.invalidArgument("a POST policy cannot expire after the year 9999")
        }
        let target = Endpoint(configuration: configuration, service: .storage).target(bucket: bucket, key: nil)
        guard let url = URL(string: target.baseURL + target.path) else {
            throw MSSClientError.invalidArgument("cannot form a URL from \(target.baseURL + target.path)")
        }
        var form = [PresignedPost.Field(name: "key", value: key)]
        form += fields.sorted { $0.key < $1.key }.map { PresignedPost.Field(name: $0.key, value: $0.value) }
        guard let credentials = try credentialsCache.heldCredentials(now: now) else {
            return PresignedPost(url: url, fields: form, policy: nil)
        }

        var policyConditions: [PostPolicyCondition] = [.exact(field: "bucket", value: bucket)]
        if let placeholder = key.range(of: "${filename}") {
            policyConditions.append(.startsWith(field: "key", prefix: String(key[..<placeholder.lowerBound])))
        } else {
            policyConditions.append(.exact(field: "key", value: key))
        }
        let named = Set(conditions.compactMap(\.fieldName))
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where !named.contains(name.lowercased()) {
            policyConditions.append(.exact(field: name, value: value))
        }
        policyConditions += conditions
        var signing: [PresignedPost.Field] = []
        switch configuration.signatureVersion {
        case .v4(let region):
            let credential = "\(credentials.accessKey)/\(HTTPDate.yyyymmdd(now))/\(region)/s3/aws4_request"
            signing = [
                PresignedPost.Field(name: "x-amz-algorithm", value: SigV4Signer.algorithm),
                PresignedPost.Field(name: "x-amz-credential", value: credential),
                PresignedPost.Field(name: "x-amz-date", value: HTTPDate.iso8601Basic(now)),
            ]
        case .v2:
            signing = [PresignedPost.Field(name: "AWSAccessKeyId", value: credentials.accessKey)]
        }
        if let token = credentials.sessionToken { signing.append(PresignedPost.Field(name: "x-amz-security-token", value: token)) }
        // The signature fields are exempt from the policy; the others must be named in it.
        for field in signing where field.name != "AWSAccessKeyId" {
            policyConditions.append(.exact(field: field.name, value: field.value))
        }
        let policy = PostPolicy(expiration: expiration, conditions: policyConditions)
        let encoded = policy.base64()
        form += signing
        form.append(PresignedPost.Field(name: "policy", value: encoded))
        switch configuration.signatureVersion {
        case .v4(let region):
            form.append(PresignedPost.Field(
                name: "x-amz-signature", value: PostPolicySignature.v4(policy: encoded, credentials: credentials, region: region, date: now)))
        case .v2:
            form.append(PresignedPost.Field(name: "signature", value: PostPolicySignature.v2(policy: encoded, credentials: credentials)))
        }
        return PresignedPost(url: url, fields: form, policy: policy)
    }
}
