import Foundation
import S3Protocol
import Synchronization
import Testing

@testable import MSS

/// The transfer manager reading an older version of an object: ranged parts, resume and
/// multipart server-side copy all stay on the version named, against the strict servers (Ceph
/// RGW and mss-server both version).
@Suite(.serialized) struct VersionedTransferTests {
    /// 13 MiB in 5 MiB parts: three ranged GETs or part copies.
    static let size = 13 << 20
    static let config = TransferConfiguration(partSize: 5 << 20, concurrency: 3)

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func oldVersionDownloadsInPartsAfterANewerOneIsWritten(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "vxfer") { conn, bucket in
            try await bucket.setVersioning(enabled: true)
            let transfers = TransferManager(connection: conn, configuration: Self.config)
            let files = try TemporaryDirectory()
            let old = try files.makeFile("old", size: Self.size, seed: 31)
            let new = try files.makeFile("new", size: Self.size, seed: 32)
            let key = bucket.newKey("big.bin")
            let oldID = try #require(try await transfers.upload(file: old, to: key).versionID)
            let newID = try #require(try await transfers.upload(file: new, to: key).versionID)
            #expect(oldID != newID)

            // Three ranged GETs of the old version, with progress up to its size.
            let reports = Mutex<[Int64]>([])
            let info = try await transfers.download(key, toFile: files.file("old.back"), versionID: oldID, progress: { report in
                reports.withLock { $0.append(report.bytesTransferred) }
            })
            #expect(info.versionID == oldID)
            #expect(try md5Hex(ofFile: files.file("old.back")) == (try md5Hex(ofFile: old)))
            #expect(reports.withLock { $0.count } > 1)
            #expect(reports.withLock { $0.last } == Int64(Self.size))
            // Without a version id the same call reads the current one.
            try await transfers.download(key, toFile: files.file("new.back"))
            #expect(try md5Hex(ofFile: files.file("new.back")) == (try md5Hex(ofFile: new)))

            // A ranged GET of the version still carries If-Match: another ETag is refused.
            let handle = try await FileSystemHandle.open(files.file("scratch"))
            let refused = await #expect(throws: MSSClientError.self) {
                try await TransferManager.fetch(
                    key, versionID: oldID, range: 0...9, etag: "0123456789abcdef0123456789abcdef", into: handle.handle,
                    meter: ProgressMeter(total: 10, handler: nil))
            }
            #expect(refused?.kind == .integrityCheckFailed)
            try await handle.close()

            // A matching record (same version and ETag) skips its finished parts.
            let oldETag = try #require(try await key.info(versionID: oldID)?.etag)
            let record = files.file("download.resume")
            let resumed = files.file("resumed.back")
            try FileManager.default.copyItem(atPath: old, toPath: resumed + ".mss-partial")
            try ResumeFile.save(
                DownloadResumeRecord(
                    bucket: bucket.name, key: key.name, etag: oldETag, size: Int64(Self.size), partSize: 5 << 20,
                    partialPath: resumed + ".mss-partial", finishedParts: [1, 2], versionID: oldID), to: record)
            let first = Mutex<Int64?>(nil)
            try await transfers.download(key, toFile: resumed, versionID: oldID, resumeFile: record, progress: { report in
                first.withLock { if $0 == nil { $0 = report.bytesTransferred } }
            })
            #expect((first.withLock { $0 } ?? 0) >= 10 << 20)
            #expect(try md5Hex(ofFile: resumed) == (try md5Hex(ofFile: old)))
            #expect(!FileManager.default.fileExists(atPath: record))

            // A record of another version (here: of the current object) is not trusted even with
            // the same ETag: its parts are fetched again from the version asked for.
            #expect(FileManager.default.createFile(atPath: resumed + ".mss-partial", contents: Data(repeating: 0, count: Self.size)))
            try ResumeFile.save(
                DownloadResumeRecord(
                    bucket: bucket.name, key: key.name, etag: oldETag, size: Int64(Self.size), partSize: 5 << 20,
                    partialPath: resumed + ".mss-partial", finishedParts: [1, 2, 3], versionID: nil), to: record)
            try await transfers.download(key, toFile: resumed, versionID: oldID, resumeFile: record)
            #expect(try md5Hex(ofFile: resumed) == (try md5Hex(ofFile: old)))

            // A version that is not there is an S3 404, not an empty file.
            let missing = await #expect(throws: S3Error.self) {
                try await transfers.download(key, toFile: files.file("missing"), versionID: "no-such-version-id")
            }
            #expect(missing?.status == 404 || missing?.status == 400)
            #expect(!FileManager.default.fileExists(atPath: files.file("missing")))
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func oldVersionCopiesInPartsOnTheServer(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "vcopy") { conn, bucket in
            try await bucket.setVersioning(enabled: true)
            let transfers = TransferManager(connection: conn, configuration: Self.config)
            let files = try TemporaryDirectory()
            let old = try files.makeFile("old", size: Self.size, seed: 41)
            let key = bucket.newKey("src.bin")
            let oldID = try #require(try await transfers.upload(file: old, to: key).versionID)
            try await key.setContents("newer and much shorter")

            // A low single-copy limit forces UploadPartCopy, each part naming the old version.
            let copied = try await transfers.copy(key, to: bucket.newKey("copy.bin"), versionID: oldID, singleCopyLimit: 1 << 20)
            #expect(copied.etag?.hasSuffix("-3") == true)
            #expect(copied.sourceVersionID == oldID)
            try await transfers.download(bucket.newKey("copy.bin"), toFile: files.file("copy.back"))
            #expect(try md5Hex(ofFile: files.file("copy.back")) == (try md5Hex(ofFile: old)))

            // A part copy whose source no longer has the ETag read first is refused, not joined,
            // by servers that honour x-amz-copy-source-if-match on UploadPartCopy (Ceph RGW
            // ignores it there and copies).
            if target.server == "mss" {
                let upload = try await bucket.initiateMultipartUpload("stale.bin")
                let stale = await #expect(throws: MSSClientError.self) {
                    try await TransferManager.copyPart(
                        1, of: key, versionID: oldID, etag: "0123456789abcdef0123456789abcdef", range: 0...(5 << 20) - 1,
                        into: upload)
                }
                #expect(stale?.kind == .integrityCheckFailed)
                try await upload.cancel()
            }

            // Below the limit: one CopyObject of the version.
            let single = try await transfers.copy(key, to: bucket.newKey("single.bin"), versionID: oldID)
            #expect(single.sourceVersionID == nil || single.sourceVersionID == oldID)
            #expect(try await bucket.newKey("single.bin").info()?.size == Int64(Self.size))
            #expect(try await bucket.newKey("src.bin").string() == "newer and much shorter")
        }
    }
}
