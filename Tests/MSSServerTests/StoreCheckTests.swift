import Foundation
import Testing

@testable import MSSServer

/// `mss-server --check DIR`: every kind of problem is listed, and reading changes nothing.
@Suite struct StoreCheckTests {
    /// A data directory with one of each problem, and the relative paths the report must name.
    static func damagedDirectory() async throws -> (root: String, expected: [String: String]) {
        let root = try StoreFixture.directory()
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await StoreFixture.put(store, bucket: "bucket", key: "damaged", body: "d")
        let first = try await StoreFixture.put(store, bucket: "bucket", key: "replaced", body: "1")
        try await StoreFixture.put(store, bucket: "bucket", key: "replaced", body: "2")
        try await StoreFixture.put(store, bucket: "bucket", key: "fine", body: "f")
        let damagedMetadata = StoreFixture.metadataPath(store, bucket: "bucket", key: "damaged")
        try StoreFixture.checkpoint(store)
        try Data("{\"key\":".utf8).write(to: URL(fileURLWithPath: damagedMetadata))
        let temporary = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data("half".utf8)))
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("big", size: 0))
        try FileManager.default.removeItem(at: store.uploadDirectory(upload.id).appendingPathComponent("upload.json"))
        try await store.createBucket("lost", acl: .publicRead)
        try await StoreFixture.put(store, bucket: "lost", key: "k", body: "k")
        try Data([0xFF, 0x00]).write(to: URL(fileURLWithPath: root + "/buckets/lost/bucket.json"))
        let relative = { (path: String) in String(path.dropFirst(store.root.path.count + 1)) }
        return (root, [
            "damaged metadata files": relative(damagedMetadata),
            "data files without metadata (kept)": relative(damagedMetadata.replacingOccurrences(of: ".json", with: ".")),
            "superseded data files (garbage)": relative(store.dataPath(bucket: "bucket", object: first)),
            "leftover temporary files": relative(temporary),
            "multipart upload folders without a readable record (kept)": relative(store.uploadDirectory(upload.id).path),
            "bucket.json": "buckets/lost/bucket.json",
        ])
    }

    @Test func reportsEachProblemWithoutChangingAnything() async throws {
        let (root, expected) = try await Self.damagedDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = StoreFixture.tree(root)
        let report = try StoreCheckReport(dataDirectory: root)
        #expect(StoreFixture.tree(root) == before, "--check changed the data directory")
        #expect(!report.isClean)
        let text = report.description
        for (section, path) in expected {
            #expect(text.contains(section), "missing section \(section)\n\(text)")
            #expect(text.contains(path), "missing \(path)\n\(text)")
        }
        #expect(text.contains("Would repair: move 2 damaged metadata file(s) to .mss/damaged/"), "\(text)")
        #expect(text.contains("write a fresh private bucket.json for 1 bucket(s)"))
        #expect(text.contains("delete 1 superseded data file(s)"))
        #expect(text.contains("delete 1 temporary file(s)"))

        // After a start has repaired, only what is kept for a person remains.
        _ = try await ObjectStore(path: root)
        let after = try StoreCheckReport(dataDirectory: root)
        #expect(after.scan.damaged.isEmpty && after.scan.superseded.isEmpty && after.scan.temporary.isEmpty)
        #expect(after.scan.unreferencedData.count == 1)
        #expect(after.scan.uploadsWithoutRecord.count == 1)
        #expect(after.scan.setAside.count == 2)
        #expect(!after.isClean)
    }

    @Test func aCleanDirectoryIsClean() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "x")
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("m", size: 0))
        let temporary = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data("p".utf8)))
        try await store.commitPart(PartRecord(number: 1, size: 1, etag: "e", lastModified: Date()), upload: upload.id, temporaryPath: temporary)
        let report = try StoreCheckReport(dataDirectory: root)
        #expect(report.isClean, "\(report)")
        #expect(report.description.contains("1 bucket(s), 1 object(s), 1 multipart upload(s)"))
        #expect(report.description.contains("No problems found"))
        #expect(throws: StoreCheckReport.NoDataDirectory.self) { _ = try StoreCheckReport(dataDirectory: root + "/missing") }
    }

    /// The built executable, when this test runs from a SwiftPM build of the whole package.
    static var executable: String? {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = repository.appendingPathComponent(".build/debug/mss-server").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    @Test(.enabled(if: executable != nil, "mss-server is not built in .build/debug"))
    func theCommandReportsAndExitsWithOneWithoutStartingTheServer() async throws {
        let (root, expected) = try await Self.damagedDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = StoreFixture.tree(root)
        let (status, output) = try Self.run(["--check", root])
        #expect(status == 1, "\(output)")
        for path in expected.values { #expect(output.contains(path), "\(output)") }
        #expect(!output.contains("mss-server is running"))
        #expect(StoreFixture.tree(root) == before)

        _ = try await ObjectStore(path: root)
        let clean = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: clean) }
        _ = try await ObjectStore(path: clean)
        let (cleanStatus, cleanOutput) = try Self.run(["--check", clean])
        #expect(cleanStatus == 0, "\(cleanOutput)")
    }

    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
