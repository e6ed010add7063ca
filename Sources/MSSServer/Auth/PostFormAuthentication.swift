import Foundation
import HTTPTypes
import S3Protocol

/// The fields of a POST form before its file, by lower-case name (the first of a repeated
/// name), with their order kept for the policy's extra-field check.
struct PostFormFields: Sendable {
    private(set) var ordered: [(name: String, value: String)] = []
    private var values: [String: String] = [:]

    mutating func append(name: String, value: String) {
        ordered.append((name, value))
        let lower = name.lowercased()
        if values[lower] == nil { values[lower] = value }
    }

    subscript(_ name: String) -> String? { values[name] }

    var names: Dictionary<String, String>.Keys { values.keys }
}

/// Who signed a POST form, and the policy they signed. A form is signed in its fields, not in
/// headers: the signature covers the base64 `policy` field, which the server then enforces.
struct PostFormAuthentication: Sendable {
    /// The signer; nil for an unsigned (anonymous) form.
    var user: ServerUser?
    var policy: PostPolicy?

    /// Checks the form's signature (SigV4 or SigV2) and policy against `keys`; a form without a
    /// policy is anonymous. Every failure is S3's error for it.
    init(_ fields: PostFormFields, keys: AccessKeys) throws(S3ServerError) {
        guard let policyText = fields["policy"], !policyText.isEmpty else {
            // Signature fields without a policy sign nothing: S3 asks for the policy.
            if ["x-amz-signature", "signature", "awsaccesskeyid", "x-amz-credential"].contains(where: { fields[$0] != nil }) {
                throw Self.missingField("policy")
            }
            user = nil
            policy = nil
            return
        }
        let signer: ServerUser
        if let algorithm = fields["x-amz-algorithm"] {
            guard algorithm == SigV4Signer.algorithm else {
                throw S3ServerError(
                    .badRequest, .invalidArgument, "POST form can only be signed with AWS4-HMAC-SHA256",
                    details: ["ArgumentName": "x-amz-algorithm", "ArgumentValue": String(algorithm.prefix(64))])
            }
            guard let credentialText = fields["x-amz-credential"] else { throw Self.missingField("x-amz-credential") }
            guard fields["x-amz-date"] != nil else { throw Self.missingField("x-amz-date") }
            guard let signature = fields["x-amz-signature"] else { throw Self.missingField("x-amz-signature") }
            guard let credential = PostPolicySignature.Credential(parsing: credentialText), let day = credential.date else {
                throw S3ServerError(
                    .badRequest, .invalidArgument, "Invalid credential in the x-amz-credential field: it must be ACCESS-KEY/YYYYMMDD/REGION/s3/aws4_request.",
                    details: ["ArgumentName": "x-amz-credential", "ArgumentValue": String(credentialText.prefix(128))])
            }
            signer = try Self.lookUp(credential.accessKey, keys: keys)
            let expected = PostPolicySignature.v4(policy: policyText, credentials: signer.credentials, region: credential.region, date: day)
            try Self.compare(expected: expected, given: signature.lowercased(), policy: policyText, accessKey: credential.accessKey)
        } else {
            guard let accessKey = fields["awsaccesskeyid"] else { throw Self.missingField("AWSAccessKeyId") }
            guard let signature = fields["signature"] else { throw Self.missingField("Signature") }
            signer = try Self.lookUp(accessKey, keys: keys)
            let expected = PostPolicySignature.v2(policy: policyText, credentials: signer.credentials)
            try Self.compare(expected: expected, given: signature, policy: policyText, accessKey: accessKey)
        }
        // The policy is read only once its signature holds: until then it is anybody's text.
        do throws(PostPolicy.Invalid) {
            policy = try PostPolicy(base64: policyText)
        } catch {
            throw S3ServerError(.badRequest, "InvalidPolicyDocument", error.message)
        }
        user = signer
    }

    /// S3's answer to a form that lacks a field it needs.
    static func missingField(_ name: String) -> S3ServerError {
        S3ServerError(
            .badRequest, .invalidArgument,
            "Bucket POST must contain a field named '\(name)'.  If it is specified, please check the order of the fields.",
            details: ["ArgumentName": name, "ArgumentValue": ""])
    }

    private static func lookUp(_ accessKey: String, keys: AccessKeys) throws(S3ServerError) -> ServerUser {
        guard let user = keys.user(accessKey: accessKey) else {
            throw S3ServerError(
                .forbidden, .invalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.",
                details: ["AWSAccessKeyId": String(accessKey.prefix(128))])
        }
        return user
    }

    /// Constant time, as every signature check of the server.
    private static func compare(expected: String, given: String, policy: String, accessKey: String) throws(S3ServerError) {
        guard Digests.constantTimeEquals(expected, given) else {
            throw S3ServerError(
                .forbidden, .signatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
                details: ["AWSAccessKeyId": String(accessKey.prefix(128)), "StringToSign": policy])
        }
    }
}
