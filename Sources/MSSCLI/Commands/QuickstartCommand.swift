import ArgumentParser
import AsyncHTTPClient
import Foundation
import MSS
import S3Protocol
import NIOHTTP1
import NIOCore

struct QuickstartCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Run every step of the mssapi README in Swift, printing each call and its result.",
        discussion: """
            With nothing configured it runs against the local mss-server. It writes example.jpg (unless one is \
            there already), example_rotation.jpg and example_water.jpg to the directory, and removes the buckets \
            it made when it ends.
            """)

    @Option(name: .long, help: "Where the example files go.")
    var directory: String = "."

    @Flag(name: .customLong("keep-buckets"), help: "Leave the buckets it made.")
    var keepBuckets = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await Session.run(global) { session in
            try await QuickstartSteps(session: session, directory: URL(fileURLWithPath: directory), keepBuckets: keepBuckets).run()
        }
    }
}

/// The seed README's calls, one after another, each shown as the Python call and its Swift result.
struct QuickstartSteps {
    let session: Session
    let directory: URL
    let keepBuckets: Bool

    private var connection: S3Connection { session.connection }
    private let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 36)

    private func step(_ call: String, _ result: String) {
        session.output.result("» \(call)\n    \(result)", ["call": .string(call), "result": .string(result)])
    }

    private func check(_ condition: Bool, _ what: String) throws {
        if !condition { throw CLIError("quick start step failed: \(what)") }
    }

    func run() async throws {
        let settings = session.settings
        step("conn = S3Connection(host=..., port=...)",
             "\(settings.endpoint.absoluteString) via \(settings.source), signature \(settings.signatureVersion.label)"
                + (settings.imageEndpoint.map { ", image service \($0.absoluteString)" } ?? ""))
        let name0 = "tmpbucket0-\(suffix)", name1 = "tmpbucket1-\(suffix)", imageBucket = "image-bucket-\(suffix)"
        let b0 = try await connection.createBucket(name0)
        step("b0 = conn.create_bucket('\(name0)')", "Bucket \(b0.name)")
        let b1 = try await connection.createBucket(name1)
        step("b1 = conn.create_bucket('\(name1)')", "Bucket \(b1.name)")
        do {
            try await bucketsAndKeys(b0: b0, name1: name1)
            try await multipart(b0)
            try await images(imageBucket)
        } catch {
            await cleanUp([name0, name1, imageBucket])
            throw error
        }
        if keepBuckets {
            session.output.note("kept mss://\(name0) and mss://\(imageBucket)")
        } else {
            await cleanUp([name0, name1, imageBucket])
            step("(clean up)", "removed mss://\(name0) and mss://\(imageBucket) with what they held")
        }
    }

    private func bucketsAndKeys(b0: Bucket, name1: String) async throws {
        let names = try await connection.allBuckets().map(\.name)
        try check(names.contains(b0.name) && names.contains(name1), "both buckets listed")
        step("conn.get_all_buckets()", names.joined(separator: ", "))
        let got = try await connection.bucket(name1)
        step("b1 = conn.get_bucket('\(name1)')", "Bucket \(got.name)")
        try await connection.deleteBucket(got)
        step("conn.delete_bucket(b1)", "deleted")
        try await connection.headBucket(b0.name)
        step("conn.head_bucket('\(b0.name)')", "exists")
        let inside = try await connection.contains(bucket: b0.name), gone = try await connection.contains(bucket: name1)
        try check(inside && !gone, "'in' reflects the deletion")
        step("'\(b0.name)' in conn, '\(name1)' in conn", "\(inside), \(gone)")
        step("b0.get_all_keys()", "\(try await b0.allKeys().count) keys")

        let k0 = b0.newKey("key0")
        try await k0.setContents("hello key0")
        step("k0 = bucket.new_key('key0'); k0.set_contents_from_string('hello key0')", "stored")
        let fileW1 = directory.appendingPathComponent(".quickstart-file_w1").path
        let fileR1 = directory.appendingPathComponent(".quickstart-file_r1").path
        defer {
            try? FileManager.default.removeItem(atPath: fileW1)
            try? FileManager.default.removeItem(atPath: fileR1)
        }
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: fileW1))
        let put = try await Key(bucket: b0, name: "key1").setContents(fromFile: fileW1)
        step("k1 = Key(bucket, 'key1'); k1.set_contents_from_filename('file_w1')", "ETag \(put.etag ?? "-")")
        let fetched = try await b0.key("key0")
        let text = try await fetched?.string()
        try check(text == "hello key0", "key0 reads back")
        step("k0 = bucket.get_key('key0'); k0.get_contents_as_string()", "'\(text ?? "")'")
        try await Key(bucket: b0, name: "key1").contents(toFile: fileR1)
        let same = FileManager.default.contentsEqual(atPath: fileW1, andPath: fileR1)
        try check(same, "file_r1 equals file_w1")
        step("k1.get_contents_to_filename('file_r1')", "100000 bytes, identical to file_w1")
        try await b0.deleteKey("key0")
        let lookup = try await b0.lookup("key0")
        try check(lookup == nil, "key0 is gone")
        step("bucket.delete_key('key0'); bucket.lookup('key0')", "None")
        let url = try Key(bucket: b0, name: "key1").generateURL(expiresIn: 300)
        let status = try await Self.fetchStatus(url)
        try check(status == 200, "the presigned URL answers 200")
        step("k1.generate_url(expires_in=300)", "\(url.absoluteString)\n    GET without keys: HTTP \(status)")
    }

    private func multipart(_ bucket: Bucket) async throws {
        let upload = try await bucket.initiateMultipartUpload("multipartkey")
        step("mp = bucket.initiate_multipart_upload('multipartkey')", "upload id \(upload.uploadID)")
        var whole = Data()
        for part in 1...3 {
            let size = part < 3 ? 5 << 20 : 1 << 20
            let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &+ part &* 7) })
            whole.append(data)
            try await upload.uploadPart(partNumber: part, data: data)
            step("mp.upload_part_from_file(fp, part_num=\(part))", HumanFormat.size(Int64(size)))
        }
        try await upload.complete()
        let stored = try await bucket.newKey("multipartkey").data()
        try check(Digests.md5Hex(stored) == Digests.md5Hex(whole), "the assembled object matches its parts")
        step("mp.complete_upload()", "\(HumanFormat.size(Int64(stored.count))), MD5 equals the parts joined")
    }

    private func images(_ name: String) async throws {
        let b = try await connection.createBucket(name)
        step("b = conn.create_bucket('\(name)')", "Bucket \(b.name)")
        let example = directory.appendingPathComponent("example.jpg")
        if !FileManager.default.fileExists(atPath: example.path) {
            try SamplePicture.jpeg.write(to: example)
            session.output.note("drew \(example.path) to work on")
        }
        let k = b.newKey("example.jpg")
        try await k.setContents(fromFile: example.path, options: PutOptions(contentType: "image/jpeg"))
        step("k = b.new_key('example.jpg'); k.set_contents_from_filename('example.jpg')", "stored")
        for (process, file) in [("30r", "example_rotation.jpg"), ("watermark=2&text=aGVsbG8sIHdvcmxk", "example_water.jpg")] {
            let imageKey = try b.imageKey("example.jpg", process: process)
            let target = directory.appendingPathComponent(file).path
            let info = try await imageKey.contents(toFile: target)
            step("k1 = b.get_image_key('example.jpg', '\(process)'); k1.get_contents_to_filename('\(file)')",
                 "wrote \(target) (\(info.contentType ?? "image"), \(HumanFormat.size(info.size)))")
            let url = try imageKey.generateURL(expiresIn: 3600)
            let status = try await Self.fetchStatus(url)
            try check(status == 200, "the presigned image URL answers 200")
            step("print k1.generate_url(3600)", "\(url.absoluteString)\n    GET without keys: HTTP \(status)")
        }
    }

    private func cleanUp(_ names: [String]) async {
        for name in names {
            let bucket = session.bucket(name)
            if let keys = try? await bucket.allKeys(), !keys.isEmpty { _ = try? await bucket.deleteKeys(keys.map(\.key)) }
            try? await bucket.delete()
        }
    }

    static func fetchStatus(_ url: URL) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 64 << 20)
        return Int(response.status.code)
    }
}

extension SignatureVersion {
    var label: String {
        switch self {
        case .v2: "v2"
        case .v4(let region): "v4 (\(region))"
        }
    }
}
