import AsyncHTTPClient
import Foundation
import MSS
import S3Protocol
import NIOCore
import Testing
import NIOHTTP1

/// One S3 server started by the test script, reached with one signature version.
///
/// The script describes its servers in `MSS_TEST_SERVERS`, space-separated entries of
/// `name|http://host:port|accessKey|secretKey|strict-or-lax`. `strict` servers verify every
/// signature (Ceph RGW, mss-server); `lax` ones accept anything (moto), so auth failure cases
/// only run against strict ones.
struct TestTarget: Sendable, CustomTestStringConvertible {
    var server: String
    var host: String
    var port: Int
    var accessKey: String
    var secretKey: String
    var verifiesSignatures: Bool
    var signatureVersion: SignatureVersion

    var testDescription: String {
        switch signatureVersion {
        case .v2: "\(server)-sigv2"
        case .v4: "\(server)-sigv4"
        }
    }

    static let all: [TestTarget] = parse(ProcessInfo.processInfo.environment["MSS_TEST_SERVERS"] ?? "")
    static let strict: [TestTarget] = all.filter(\.verifiesSignatures)
    /// Set by the test script so that a run without servers fails instead of skipping.
    static let required = ProcessInfo.processInfo.environment["MSS_TEST_REQUIRE_SERVERS"] == "1"

    static func parse(_ text: String) -> [TestTarget] {
        var targets: [TestTarget] = []
        for entry in text.split(separator: " ") {
            let parts = entry.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, let url = URL(string: parts[1]), let host = url.host, let port = url.port else {
                continue
            }
            for version in [SignatureVersion.v2, .v4(region: "us-east-1")] {
                targets.append(
                    TestTarget(
                        server: parts[0], host: host, port: port, accessKey: parts[2], secretKey: parts[3],
                        verifiesSignatures: parts[4] == "strict", signatureVersion: version))
            }
        }
        return targets
    }

    func connection(secretKey: String? = nil, retry: RetryPolicy = RetryPolicy()) throws -> S3Connection {
        try S3Connection(
            accessKey: accessKey, secretKey: secretKey ?? self.secretKey, host: host, port: port,
            signatureVersion: signatureVersion, retry: retry)
    }

    func anonymousConnection() throws -> S3Connection {
        try S3Connection(
            credentials: .anonymous,
            configuration: .init(host: host, port: port, signatureVersion: signatureVersion))
    }

    /// Runs `body` with a connection (this target's default one unless `made` is given) and a
    /// fresh bucket whose name holds `tag`, then empties and deletes the bucket and closes the
    /// connection, whether `body` succeeded or not.
    func withBucket(tag: String = "t", connection made: S3Connection? = nil, _ body: (S3Connection, Bucket) async throws -> Void) async throws {
        let connection = try made ?? connection()
        do {
            let bucket = try await connection.createBucket(uniqueBucketName(tag))
            do {
                try await body(connection, bucket)
            } catch {
                await cleanUp(bucket)
                throw error
            }
            await cleanUp(bucket)
        } catch {
            try? await connection.shutdown()
            throw error
        }
        try await connection.shutdown()
    }

    func withConnection(_ body: (S3Connection) async throws -> Void) async throws {
        let connection = try connection()
        do {
            try await body(connection)
        } catch {
            try? await connection.shutdown()
            throw error
        }
        try await connection.shutdown()
    }

    /// Deletes every object, upload and the bucket itself; errors are left to the next run's
    /// unique names.
    func cleanUp(_ bucket: Bucket) async {
        if let uploads = try? await bucket.multipartUploads() {
            for upload in uploads {
                try? await MultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID).cancel()
            }
        }
        if let keys = try? await bucket.allKeys() {
            _ = try? await bucket.deleteKeys(keys.map(\.key))
        }
        // A bucket that was ever versioned is empty only without its old versions and markers.
        if let versions = try? await bucket.allVersions(), !versions.isEmpty {
            _ = try? await bucket.deleteObjects(versions.map { .init(key: $0.key, versionID: $0.versionID) })
        }
        try? await bucket.delete()
    }

    func uniqueBucketName(_ tag: String = "t") -> String {
        let version = if case .v2 = signatureVersion { "v2" } else { "v4" }
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return "mss-\(tag)-\(version)-\(random)"
    }
}

/// Targets for parameterised tests; one that fails when servers were required but none came.
enum Targets {
    static var all: [TestTarget] { TestTarget.all }
    static var strict: [TestTarget] { TestTarget.strict }
}

/// A plain HTTP client that knows nothing of S3 signing, for fetching presigned URLs.
enum PlainHTTP {
    struct Answer: Sendable {
        var status: Int
        var body: Data
    }

    static func request(_ url: URL, method: String = "GET", body: Data? = nil, headers: [String: String] = [:])
        async throws -> Answer
    {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return Answer(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }
}

/// Files in a temporary directory, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "mss-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `size` pseudo-random bytes (deterministic for `seed`) and returns the path.
    func makeFile(_ name: String, size: Int, seed: UInt64 = 1) throws -> String {
        let target = file(name)
        _ = FileManager.default.createFile(atPath: target, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target))
        var generator = SeededGenerator(seed: seed)
        var remaining = size
        while remaining > 0 {
            let count = min(remaining, 1 << 20)
            var chunk = [UInt8](repeating: 0, count: count)
            for index in stride(from: 0, to: count, by: 8) {
                var word = generator.next()
                withUnsafeBytes(of: &word) { raw in
                    for offset in 0..<min(8, count - index) { chunk[index + offset] = raw[offset] }
                }
            }
            try handle.write(contentsOf: chunk)
            remaining -= count
        }
        try handle.close()
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func md5Hex(ofFile path: String) throws -> String {
    Digests.md5Hex(try Data(contentsOf: URL(fileURLWithPath: path)))
}
