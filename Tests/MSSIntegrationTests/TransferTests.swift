import Foundation
import NIOCore
import S3Protocol
import Synchronization
import Testing

@testable import MSS

/// The transfer manager against the strict servers (Ceph RGW and mss-server).
@Suite(.serialized) struct TransferTests {
    static let config = TransferConfiguration(multipartThreshold: 5 << 20, partSize: 5 << 20, concurrency: 4)
    static let v4Targets = Targets.strict.filter { if case .v4 = $0.signatureVersion { true } else { false } }

    /// The largest progress report seen.
    final class LastProgress: Sendable {
        let value = Mutex<TransferProgress?>(nil)
        func record(_ progress: TransferProgress) {
            value.withLock { if ($0?.bytesTransferred ?? -1) <= progress.bytesTransferred { $0 = progress } }
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func sizesRoundTrip(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: Self.config)
            let files = try TemporaryDirectory()
            for size in [0, 1, 5 << 20, (5 << 20) + 1, 23 << 20] {
                let source = try files.makeFile("in-\(size)", size: size, seed: UInt64(size) + 3)
                let progress = LastProgress()
                let put = try await transfers.upload(file: source, to: bucket.newKey("t/\(size)"), progress: { progress.record($0) })
                #expect(progress.value.withLock { $0?.bytesTransferred } == Int64(size), "size \(size)")
                if size > 5 << 20 {
                    #expect(put.etag?.contains("-") == true, "size \(size) should go in parts")
                } else {
                    #expect(put.etag == (try md5Hex(ofFile: source)), "size \(size) should be one PUT")
                }
                let back = files.file("out-\(size)")
                let info = try await transfers.download(bucket.newKey("t/\(size)"), toFile: back)
                #expect(info.size == Int64(size))
                #expect(try md5Hex(ofFile: back) == (try md5Hex(ofFile: source)), "size \(size)")
                #expect(!FileManager.default.fileExists(atPath: back + ".mss-partial"))
            }
            #expect(try await bucket.multipartUploads().isEmpty)
        }
    }

    @Test(.enabled(if: !v4Targets.isEmpty), arguments: v4Targets)
    func twoHundredMebibytes(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: TransferConfiguration(partSize: 16 << 20, concurrency: 4))
            let files = try TemporaryDirectory()
            let source = try files.makeFile("big", size: 200 << 20, seed: 200)
            let put = try await transfers.upload(file: source, to: bucket.newKey("big"))
            #expect(put.etag?.hasSuffix("-13") == true)
            try await transfers.download(bucket.newKey("big"), toFile: files.file("big.back"))
            #expect(try md5Hex(ofFile: files.file("big.back")) == (try md5Hex(ofFile: source)))
        }
    }

    @Test func partSizeGrowsToStayWithinTenThousandParts() {
        let config = TransferConfiguration(partSize: 5 << 20)
        #expect(config.partSize(forObjectOf: 1 << 30) == 5 << 20)
        let huge: Int64 = 5 * (1 << 40)  // 5 TiB, S3's largest object
        let part = config.partSize(forObjectOf: huge)
        #expect((huge + part - 1) / part <= 10_000)
        #expect(TransferConfiguration(partSize: 1).partSize == 5 << 20)
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func cancellationAbortsTheUpload(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: TransferConfiguration(multipartThreshold: 5 << 20, partSize: 5 << 20, concurrency: 1))
            let files = try TemporaryDirectory()
            let source = try files.makeFile("cancel", size: 60 << 20, seed: 9)
            let started = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                // Whatever happens, the waiting below ends.
                defer { started.continuation.finish() }
                try await transfers.upload(file: source, to: bucket.newKey("cancelled"), progress: { progress in
                    if progress.bytesTransferred > 6 << 20 { started.continuation.yield() }
                })
            }
            for await _ in started.stream { break }
            task.cancel()
            let outcome = await task.result
            #expect(throws: (any Error).self) { try outcome.get() }
            #expect(try await bucket.multipartUploads().isEmpty)
            #expect(try await !bucket.contains(key: "cancelled"))
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func killedUploadResumesWithoutResendingParts(_ target: TestTarget) async throws {
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mss-transfer").path
        try #require(FileManager.default.isExecutableFile(atPath: tool), "build the mss-transfer tool first")
        try await target.withBucket { conn, bucket in
            let files = try TemporaryDirectory()
            let source = try files.makeFile("resume", size: 80 << 20, seed: 80)
            let record = files.file("upload.resume")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["upload", source, bucket.name, "resumed", "--part-size", "5", "--concurrency", "1", "--resume", record, "--limit-rate", "20"]
            var environment = ProcessInfo.processInfo.environment
            environment["MSS_ENDPOINT"] = "http://\(target.host):\(target.port)"
            environment["MSS_ACCESS_KEY"] = target.accessKey
            environment["MSS_SECRET_KEY"] = target.secretKey
            environment["MSS_SIGNATURE"] = if case .v2 = target.signatureVersion { "v2" } else { "v4" }
            process.environment = environment
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            // Kill it once a few parts are recorded.
            var recorded = 0
            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                if let saved = ResumeFile.load(UploadResumeRecord.self, from: record) { recorded = saved.parts.count }
                if recorded >= 3 || !process.isRunning { break }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let toolErrors = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            try #require(recorded >= 3, "the tool finished or failed before it could be killed: \(toolErrors)")
            let before = try #require(ResumeFile.load(UploadResumeRecord.self, from: record))

            let transfers = TransferManager(connection: conn, configuration: TransferConfiguration(multipartThreshold: 5 << 20, partSize: 5 << 20, concurrency: 4))
            let progress = LastProgress()
            let first = Mutex<Int64?>(nil)
            try await transfers.upload(file: source, to: bucket.newKey("resumed"), resumeFile: record, progress: { report in
                first.withLock { if $0 == nil { $0 = report.bytesTransferred } }
                progress.record(report)
            })
            // The resumed run started from the recorded parts, not from zero.
            #expect((first.withLock { $0 } ?? 0) >= Int64(before.parts.count) * (5 << 20))
            #expect(!FileManager.default.fileExists(atPath: record))
            try await bucket.newKey("resumed").contents(toFile: files.file("resumed.back"))
            #expect(try md5Hex(ofFile: files.file("resumed.back")) == (try md5Hex(ofFile: source)))
            #expect(try await bucket.multipartUploads().isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func interruptedDownloadResumesAndChangedObjectsAreDetected(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: TransferConfiguration(partSize: 5 << 20, concurrency: 2))
            let files = try TemporaryDirectory()
            let source = try files.makeFile("object", size: 21 << 20, seed: 21)
            try await transfers.upload(file: source, to: bucket.newKey("obj"))
            let info = try #require(try await bucket.newKey("obj").info())
            let etag = try #require(info.etag)

            // A ranged read that still expects the old version is refused, not mixed in.
            let handle = try await FileSystemHandle.open(files.file("scratch"))
            try await bucket.newKey("obj").setContents("replaced")
            let changed = await #expect(throws: MSSClientError.self) {
                try await TransferManager.fetch(
                    bucket.newKey("obj"), range: 0...9, etag: etag, into: handle.handle,
                    meter: ProgressMeter(total: 10, handler: nil))
            }
            #expect(changed?.kind == .integrityCheckFailed)
            try await handle.close()

            // A download record for a version that is gone starts over and gets the new bytes.
            try await transfers.upload(file: source, to: bucket.newKey("obj"))
            let record = files.file("download.resume")
            let target = files.file("object.back")
            try ResumeFile.save(
                DownloadResumeRecord(
                    bucket: bucket.name, key: "obj", etag: "stale", size: 21 << 20, partSize: 5 << 20,
                    partialPath: target + ".mss-partial", finishedParts: [1, 2, 3]), to: record)
            #expect(FileManager.default.createFile(atPath: target + ".mss-partial", contents: Data(repeating: 0, count: 21 << 20)))
            try await transfers.download(bucket.newKey("obj"), toFile: target, resumeFile: record)
            #expect(try md5Hex(ofFile: target) == (try md5Hex(ofFile: source)))

            // A matching record skips its finished parts: their bytes are trusted from the partial file.
            let current = try #require(try await bucket.newKey("obj").info()?.etag)
            try FileManager.default.copyItem(atPath: source, toPath: target + ".mss-partial")
            try ResumeFile.save(
                DownloadResumeRecord(
                    bucket: bucket.name, key: "obj", etag: current, size: 21 << 20, partSize: 5 << 20,
                    partialPath: target + ".mss-partial", finishedParts: [1, 2, 3, 4]), to: record)
            let first = Mutex<Int64?>(nil)
            try await transfers.download(bucket.newKey("obj"), toFile: target, resumeFile: record, progress: { report in
                first.withLock { if $0 == nil { $0 = report.bytesTransferred } }
            })
            #expect((first.withLock { $0 } ?? 0) >= 20 << 20)
            #expect(try md5Hex(ofFile: target) == (try md5Hex(ofFile: source)))
        }
    }

    /// A tree's downloads start while its listing is still going. The listing is held at its
    /// last key until an earlier key's download has finished: that wait times out when every
    /// key is listed before the first download starts. The progress total grows to the tree's
    /// size.
    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func prefixDownloadsStartBeforeTheListingEnds(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: Self.config)
            let files = try TemporaryDirectory()
            let bodies = (0..<3).map { String(repeating: "body \($0) ", count: $0 + 1) }
            for (index, body) in bodies.enumerated() { try await bucket.newKey("p/k\(index)").setContents(body) }
            let finished = DispatchSemaphore(value: 0)
            let progress = LastProgress()
            let listed = Mutex<[String]>([])
            let downloadedWhileListing = Mutex<Bool?>(nil)
            let down = try await transfers.downloadPrefix(
                "p/", from: bucket, to: files.file("down"),
                progress: { report in
                    progress.record(report)
                    finished.signal()
                },
                listed: { object in
                    listed.withLock { $0.append(object.key) }
                    guard object.key == "p/k2" else { return }
                    downloadedWhileListing.withLock { $0 = finished.wait(timeout: .now() + 20) == .success }
                })
            #expect(downloadedWhileListing.withLock { $0 } == true)
            #expect(listed.withLock { $0 } == ["p/k0", "p/k1", "p/k2"])
            #expect(down.failures.isEmpty)
            #expect(Set(down.transferred) == Set((0..<3).map { files.file("down/k\($0)") }))
            for (index, body) in bodies.enumerated() {
                #expect(try String(contentsOfFile: files.file("down/k\(index)"), encoding: .utf8) == body)
            }
            let total = Int64(bodies.reduce(0) { $0 + $1.utf8.count })
            #expect(down.bytes == total)
            #expect(progress.value.withLock { $0.map { [$0.bytesTransferred, $0.totalBytes] } } == [total, total])

            // A listing that fails throws (and does not leave the transfers waiting for keys).
            let missing = Bucket(connection: conn, name: target.uniqueBucketName("nosuch"))
            await #expect {
                _ = try await transfers.downloadPrefix("p/", from: missing, to: files.file("none"))
            } throws: { ($0 as? S3Error)?.code == .noSuchBucket }
            #expect(!FileManager.default.fileExists(atPath: files.file("none")))
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func directoriesStreamsAndServerSideCopy(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: Self.config)
            let files = try TemporaryDirectory()
            let tree = files.file("tree")
            for index in 0..<60 {
                let directory = "\(tree)/d\(index % 4)/e\(index % 3)"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data("file \(index)".utf8).write(to: URL(fileURLWithPath: "\(directory)/f\(index).txt"))
            }
            _ = try files.makeFile("tree/big.bin", size: 11 << 20, seed: 11)
            // A link is neither followed nor sent; the result names it.
            try FileManager.default.createSymbolicLink(atPath: "\(tree)/d0/link", withDestinationPath: "../big.bin")
            let up = try await transfers.uploadDirectory(tree, to: bucket, prefix: "up/")
            #expect(up.failures.isEmpty)
            #expect(up.transferred.count == 61)
            #expect(up.skipped.map(\.relativePath) == ["d0/link"])
            #expect(up.skipped.first?.reason == .symbolicLink)
            #expect(!up.transferred.contains("up/d0/link"))
            try await bucket.newKey("up/../escape").setContents("hostile")
            let down = try await transfers.downloadPrefix("up/", from: bucket, to: files.file("down"))
            #expect(down.transferred.count == 61)
            #expect(down.failures.map(\.item) == ["up/../escape"])
            #expect(!FileManager.default.fileExists(atPath: files.file("escape")))
            for index in [0, 17, 59] {
                let relative = "d\(index % 4)/e\(index % 3)/f\(index).txt"
                #expect(try String(contentsOfFile: files.file("down/\(relative)"), encoding: .utf8) == "file \(index)")
            }
            #expect(try md5Hex(ofFile: files.file("down/big.bin")) == (try md5Hex(ofFile: files.file("tree/big.bin"))))

            // A stream of unknown length, in parts.
            let chunk = ByteBuffer(repeating: 0x5A, count: 1 << 20)
            let stream = AsyncStream<ByteBuffer> { continuation in
                for _ in 0..<17 { continuation.yield(chunk) }
                continuation.finish()
            }
            let streamed = try await transfers.upload(stream: stream, to: bucket.newKey("streamed"))
            #expect(streamed.etag?.hasSuffix("-4") == true)
            #expect(try await bucket.newKey("streamed").info()?.size == 17 << 20)
            let small = AsyncStream<ByteBuffer> { continuation in
                continuation.yield(ByteBuffer(string: "tiny"))
                continuation.finish()
            }
            try await transfers.upload(stream: small, to: bucket.newKey("tiny"))
            #expect(try await bucket.newKey("tiny").string() == "tiny")

            // Multipart server-side copy (forced by a low single-copy limit).
            let copied = try await transfers.copy(bucket.newKey("up/big.bin"), to: bucket.newKey("copy.bin"), singleCopyLimit: 1 << 20)
            #expect(copied.etag?.hasSuffix("-3") == true)
            try await bucket.newKey("copy.bin").contents(toFile: files.file("copy.back"))
            #expect(try md5Hex(ofFile: files.file("copy.back")) == (try md5Hex(ofFile: files.file("tree/big.bin"))))
        }
    }
}

/// A writable file handle for handing to internal download code in tests.
struct FileSystemHandle {
    let handle: ReadWriteFileHandle

    static func open(_ path: String) async throws -> FileSystemHandle {
        FileSystemHandle(handle: try await FileSystem.shared.openFile(forReadingAndWritingAt: FilePath(path), options: .modifyFile(createIfNecessary: true)))
    }

    func close() async throws { try await handle.close() }
}

import NIOFileSystem
