import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import S3Protocol

extension HTTPField.Name {
    static let amzExpiration = HTTPField.Name("x-amz-expiration")!
}

extension S3Handler {
    func bucketLifecycle(_ bucket: String) async throws -> Response {
        guard let configuration = try await store.bucket(bucket).lifecycle else {
            throw S3ServerError(
                .notFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", resource: "/\(bucket)",
                details: ["BucketName": bucket])
        }
        return ServerResponse.xml(configuration)
    }

    func putBucketLifecycle(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        _ = try await store.bucket(bucket)
        // S3 wants the body's integrity proven: Content-MD5, or (what current SDKs send instead)
        // a flexible checksum header.
        let checksumNames = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]
        guard request.header("content-md5") != nil || checksumNames.contains(where: { request.header("x-amz-checksum-\($0)") != nil }) else {
            throw S3ServerError(.badRequest, .invalidRequest, "Missing required header for this request: Content-Md5.")
        }
        let bytes = try await Self.collectDocument(request, verifyingPayload: authentication)
        try Self.verifyChecksumHeaders(request, bytes)
        var configuration = try Self.parse(LifecycleConfiguration.self, from: bytes)
        if let problem = configuration.problem() {
            switch problem.code {
            case .malformedXML: throw S3ServerError.malformedXML(problem.message)
            case .notImplemented: throw S3ServerError(.notImplemented, problem.code, problem.message)
            default: throw S3ServerError(.badRequest, problem.code, problem.message)
            }
        }
        // S3 names unnamed rules itself, so GET shows every rule with an ID.
        for index in configuration.rules.indices where (configuration.rules[index].id ?? "").isEmpty {
            configuration.rules[index].id = Self.generatedRuleID()
        }
        try await store.setLifecycle(bucket, configuration)
        return ServerResponse.empty()
    }

    func deleteBucketLifecycle(_ bucket: String) async throws -> Response {
        try await store.setLifecycle(bucket, nil)
        return ServerResponse.empty(.noContent)
    }

    /// Checks the `x-amz-checksum-*` headers of a document body (object bodies are checked by
    /// ``BodyReceiver``). CRC64NVME is accepted unverified: the signature covers the body.
    static func verifyChecksumHeaders(_ request: ServerRequest, _ bytes: [UInt8]) throws(S3ServerError) {
        let computations: [(String, () -> String)] = [
            ("crc32", { var crc = CRC32(.ieee); crc.update(bytes); return crc.base64 }),
            ("crc32c", { var crc = CRC32(.castagnoli); crc.update(bytes); return crc.base64 }),
            ("sha1", { Data(Insecure.SHA1.hash(data: bytes)).base64EncodedString() }),
            ("sha256", { Data(SHA256.hash(data: bytes)).base64EncodedString() }),
        ]
        for (algorithm, compute) in computations {
            guard let given = request.header("x-amz-checksum-\(algorithm)") else { continue }
            guard given == compute() else {
                throw S3ServerError(.badRequest, .badDigest, "The \(algorithm.uppercased()) you specified did not match the calculated checksum.")
            }
        }
    }

    /// `x-amz-expiration` for a GET or HEAD of `object`: when an Expiration rule will expire it
    /// and which, as S3 words it (rule ID URL-encoded); nil for anything but the current version
    /// of a key, or when no rule applies.
    func lifecycleExpiration(in snapshot: KeySnapshot, object: StoredObject) -> String? {
        guard let configuration = snapshot.bucket.lifecycle, snapshot.stored?.newest.version == object.version,
            let expiry = LifecyclePlan(configuration, schedule: lifecycleSchedule).currentExpiry(of: object)
        else { return nil }
        return "expiry-date=\"\(HTTPDate.rfc1123(expiry.date))\", rule-id=\"\(URIEncoding.encode(expiry.rule.id ?? ""))\""
    }

    /// A rule ID as S3 makes one for a rule sent without: 48 random base64 characters.
    static func generatedRuleID() -> String {
        Data(UUID().uuidString.utf8).base64EncodedString()
    }
}
