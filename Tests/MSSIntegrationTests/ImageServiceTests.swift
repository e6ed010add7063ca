import Foundation
import MSS
import MSSImageProcess
import S3Protocol
import Testing

/// An mss-server with its image service, from `MSS_TEST_IMAGE_SERVER`:
/// `http://host:s3port|http://host:imageport|accessKey|secretKey`, or the in-process server's
/// (``TestTarget/imageServer``). Each case runs with SigV2 and SigV4.
struct ImageTarget: Sendable, CustomTestStringConvertible {
    var storage: TestTarget
    var imagePort: Int

    var testDescription: String { storage.testDescription }

    static let all: [ImageTarget] = {
        let parts = TestTarget.imageServer.split(separator: "|").map(String.init)
        guard parts.count == 4, let image = URL(string: parts[1])?.port else { return [] }
        return TestTarget.parse("mss-image|\(parts[0])|\(parts[2])|\(parts[3])|strict").map { ImageTarget(storage: $0, imagePort: image) }
    }()

    /// Runs `body` with a connection that knows the image port and a fresh bucket, removed
    /// afterwards whatever happens.
    func withBucket(_ body: (S3Connection, Bucket) async throws -> Void) async throws {
        try await storage.withBucket(tag: "img", connection: try connection(), body)
    }

    func connection(credentials: (any CredentialsProvider)? = nil) throws -> S3Connection {
        let configuration = S3Connection.Configuration(
            host: storage.host, port: storage.port, signatureVersion: storage.signatureVersion, imageHost: storage.host,
            imagePort: imagePort)
        return try S3Connection(
            credentials: credentials ?? StandardCredentialsProvider.fixed(Credentials(accessKey: storage.accessKey, secretKey: storage.secretKey)), configuration: configuration)
    }
}

/// Reads an image with ImageMagick, a decoder independent of libvips: "FORMAT WIDTH HEIGHT".
func identifyImage(_ path: String) throws -> (format: String, width: Int, height: Int) {
    let output = try runTool(["identify", "-format", "%m %w %h", path]).split(separator: " ")
    guard output.count == 3, let width = Int(output[1]), let height = Int(output[2]) else {
        throw MSSClientError(.invalidArgument, "identify could not read \(path)")
    }
    return (String(output[0]), width, height)
}

@discardableResult
func runTool(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw MSSClientError(.invalidArgument, "\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
    return String(decoding: output, as: UTF8.self)
}

@Suite struct ImageServiceTests {
    @Test func imageServerIsConfigured() {
        if TestTarget.required { #expect(!ImageTarget.all.isEmpty, "MSS_TEST_IMAGE_SERVER names no image server") }
    }

    /// The seed README's image section: upload, `30r`, the text watermark, download to files and
    /// presigned URLs.
    @Test(.enabled(if: !ImageTarget.all.isEmpty), arguments: ImageTarget.all)
    func seedExamples(_ target: ImageTarget) async throws {
        let files = try TemporaryDirectory()
        let example = files.file("example.jpg")
        try runTool(["convert", "-size", "640x480", "plasma:", "-quality", "90", example])
        try await target.withBucket { _, b in
            let k = b.newKey("example.jpg")
            try await k.setContents(fromFile: example)

            let k1 = try b.imageKey("example.jpg", process: "30r")
            let rotationFile = files.file("example_rotation.jpg")
            let info = try await k1.contents(toFile: rotationFile)
            let rotated = try identifyImage(rotationFile)
            // 640x480 turned 30 degrees covers about 795x736.
            #expect(rotated.format == "JPEG" && abs(rotated.width - 795) <= 2 && abs(rotated.height - 736) <= 2)
            #expect(info.contentType == "image/jpeg")
            let url1 = try k1.generateURL(expiresIn: 3600)
            #expect(url1.port == target.imagePort && url1.absoluteString.contains("%4030r"))
            let fetched = try await PlainHTTP.request(url1)
            #expect(fetched.status == 200)
            #expect(fetched.body == (try Data(contentsOf: URL(fileURLWithPath: rotationFile))))

            let k2 = try b.imageKey("example.jpg", process: "watermark=2&text=aGVsbG8sIHdvcmxk")
            let waterFile = files.file("example_water.jpg")
            try await k2.contents(toFile: waterFile)
            let watered = try identifyImage(waterFile)
            #expect(watered.format == "JPEG" && watered.width == 640 && watered.height == 480)
            #expect(try await PlainHTTP.request(try k2.generateURL(expiresIn: 3600)).status == 200)

            // A tampered URL is refused.
            var tampered = URLComponents(url: url1, resolvingAgainstBaseURL: false)!
            tampered.percentEncodedPath = tampered.percentEncodedPath.replacingOccurrences(of: "30r", with: "60r")
            #expect(try await PlainHTTP.request(try #require(tampered.url)).status == 403)
        }
    }

    @Test(.enabled(if: !ImageTarget.all.isEmpty), arguments: ImageTarget.all)
    func builderHeadAndData(_ target: ImageTarget) async throws {
        let files = try TemporaryDirectory()
        let source = files.file("wide.png")
        try runTool(["convert", "-size", "400x200", "gradient:red-blue", source])
        try await target.withBucket { _, b in
            try await b.newKey("dir/wide image.png").setContents(fromFile: source)

            let thumb = b.imageKey("dir/wide image.png", process: ImageProcess().resize(width: 100, height: 100, mode: .shortEdge).centerCrop().format(.webp))
            #expect(thumb.processString == "100w_100h_1e_1c.webp")
            let data = try await thumb.data()
            let path = files.file("thumb.webp")
            try data.write(to: URL(fileURLWithPath: path))
            let decoded = try identifyImage(path)
            #expect(decoded.format == "WEBP" && decoded.width == 100 && decoded.height == 100)

            let head = try #require(try await thumb.info())
            #expect(head.size == Int64(data.count))
            #expect(head.contentType == "image/webp")
            #expect(head.etag == Digests.md5Hex(data))

            #expect(try await b.imageKey("missing.png", process: "30r").info() == nil)
        }
    }

    @Test(.enabled(if: !ImageTarget.all.isEmpty), arguments: ImageTarget.all)
    func badInputIsAClearError(_ target: ImageTarget) async throws {
        try await target.withBucket { _, b in
            try await b.newKey("notes.txt").setContents("these are not pixels")

            // Caught before anything is sent, naming the token.
            do {
                _ = try b.imageKey("notes.txt", process: "30x_100w")
                Issue.record("a bad process string was accepted")
            } catch let error as MSSClientError {
                #expect(error.kind == .invalidArgument && error.description.contains("30x"))
            }
            // The server's answer for a source that is not an image.
            do {
                _ = try await b.imageKey("notes.txt", process: "30r").data()
                Issue.record("a text file was processed as an image")
            } catch let error as S3Error {
                #expect(error.status == 400 && error.code == "InvalidArgument")
                #expect(error.message?.contains("not a JPEG") == true)
            }
            // The source is left as it was.
            #expect(try await b.newKey("notes.txt").string() == "these are not pixels")
        }
    }

    @Test(.enabled(if: !ImageTarget.all.isEmpty), arguments: ImageTarget.all)
    func anonymousReadsFollowTheSourceACL(_ target: ImageTarget) async throws {
        let files = try TemporaryDirectory()
        let source = files.file("s.jpg")
        try runTool(["convert", "-size", "64x64", "xc:orange", source])
        try await target.withBucket { _, b in
            try await b.newKey("private.jpg").setContents(fromFile: source)
            try await b.newKey("public.jpg").setContents(fromFile: source, options: PutOptions(acl: .publicRead))
            let anonymous = try target.connection(credentials: .anonymous)
            let seenAnonymously = Bucket(connection: anonymous, name: b.name)
            #expect(try await seenAnonymously.imageKey("public.jpg", process: "32w").data().count > 0)
            await #expect(throws: S3Error.self) { try await seenAnonymously.imageKey("private.jpg", process: "32w").data() }
            try await anonymous.shutdown()
        }
    }
}
