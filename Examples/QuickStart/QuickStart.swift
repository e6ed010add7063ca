import Foundation
import MSS
import S3Protocol

/// The seed README's quick start, call by call, printing each call and its result.
///
/// Reads the endpoint from `MSS_ENDPOINT` (for example `http://127.0.0.1:9000`), the keys from
/// `MSS_ACCESS_KEY`/`MSS_SECRET_KEY`, and `MSS_SIGNATURE=v4` to sign with SigV4 instead of V2.
@main
struct QuickStart {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("quick start failed: \(error)\n".utf8))
            exit(1)
        }
    }

    static func step(_ call: String, _ result: String = "ok") {
        print("\(call)\n    -> \(result)")
    }

    static func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["MSS_ENDPOINT"].flatMap(URL.init(string:)), let host = endpoint.host else {
            throw MSSClientError(.invalidArgument, "set MSS_ENDPOINT, for example http://127.0.0.1:9000")
        }
        let signature: SignatureVersion = environment["MSS_SIGNATURE"] == "v4" ? .v4(region: "us-east-1") : .v2
        let conn = try S3Connection(
            credentials: .environment,
            configuration: .init(host: host, port: endpoint.port, isSecure: endpoint.scheme == "https", signatureVersion: signature))
        step("conn = S3Connection(accessKey:secretKey:host: \"\(host)\", port: \(endpoint.port ?? 80))", "\(signature)")

        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let name0 = "tmpbucket0-\(suffix)"
        let name1 = "tmpbucket1-\(suffix)"
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mss-quickstart-\(suffix)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        do {
            let b0 = try await conn.createBucket(name0)
            let b1 = try await conn.createBucket(name1)
            step("b0 = conn.createBucket(\"\(name0)\"); b1 = conn.createBucket(\"\(name1)\")", "\(b0.name), \(b1.name)")
            step("conn.allBuckets()", try await conn.allBuckets().map(\.name).joined(separator: ", "))
            let got = try await conn.bucket(name1)
            step("conn.bucket(\"\(name1)\")", got.name)
            try await conn.deleteBucket(got)
            step("conn.deleteBucket(b1)")
            try await conn.headBucket(name0)
            step("conn.headBucket(\"\(name0)\")")
            step("conn.contains(bucket: \"\(name0)\")", "\(try await conn.contains(bucket: name0))")
            step("b0.allKeys()", "\(try await b0.allKeys().map(\.key))")

            let bucket = try await conn.bucket(name0)
            let k0 = bucket.newKey("key0")
            step("k0.setContents(\"hello key0\")", "etag \(try await k0.setContents("hello key0").etag ?? "-")")
            let fileW1 = work.appendingPathComponent("file_w1").path
            try Data("contents of file_w1\n".utf8).write(to: URL(fileURLWithPath: fileW1))
            let k1 = Key(bucket: bucket, name: "key1")
            step("Key(bucket: bucket, name: \"key1\").setContents(fromFile: \"file_w1\")", "etag \(try await k1.setContents(fromFile: fileW1).etag ?? "-")")
            let fetched = try await bucket.key("key0")
            step("bucket.key(\"key0\")?.string()", "\"\(try await fetched?.string() ?? "<missing>")\"")
            let fileR1 = work.appendingPathComponent("file_r1").path
            let info = try await k1.contents(toFile: fileR1)
            step("k1.contents(toFile: \"file_r1\")", "\(info.size) bytes")
            try await bucket.deleteKey("key0")
            step("bucket.deleteKey(\"key0\")")
            step("bucket.lookup(\"key0\")", "\(try await bucket.lookup("key0").map(\.name) ?? "nil")")
            step("k1.generateURL(expiresIn: 300)", try k1.generateURL(expiresIn: 300).absoluteString)

            let upload = try await bucket.initiateMultipartUpload("multipartkey")
            step("bucket.initiateMultipartUpload(\"multipartkey\")", upload.uploadID)
            for index in 0..<3 {
                let chunk = work.appendingPathComponent("chunk\(index)").path
                try Data(repeating: UInt8(65 + index), count: index < 2 ? 5 << 20 : 1000).write(to: URL(fileURLWithPath: chunk))
                let part = try await upload.uploadPart(partNumber: index + 1, fromFile: chunk)
                step("upload.uploadPart(partNumber: \(index + 1), fromFile: \"chunk\(index)\")", "etag \(part.etag)")
            }
            step("upload.complete()", "etag \(try await upload.complete().etag ?? "-")")

            for key in try await bucket.allKeys() { try await bucket.deleteKey(key.key) }
            try await conn.deleteBucket(name0)
            step("clean up", "deleted \(name0)")
        } catch {
            try? await conn.shutdown()
            throw error
        }
        try await conn.shutdown()
    }
}
