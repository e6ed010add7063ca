import Foundation
import MSS
import S3Protocol
import Testing
import NIOCore

/// Bucket versioning through the SDK, against every server that verifies signatures (Ceph RGW
/// and mss-server both version; moto is not asked).
@Suite struct VersioningTests {
    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func versionsDeleteMarkersAndReadsByVersion(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ver") { _, bucket in
            #expect(try await bucket.versioning() == .unversioned)
            let key = bucket.newKey("doc.txt")
            try await key.setContents("zero")
            try await bucket.setVersioning(enabled: true)
            #expect(try await bucket.versioning() == .enabled)

            let one = try #require(try await key.setContents("one").versionID)
            let two = try #require(try await key.setContents("two").versionID)
            #expect(one != two && one != "null")
            #expect(try await key.string() == "two")
            #expect(try await key.string(versionID: one) == "one")
            // The object written before versioning is the `null` version.
            #expect(try await key.string(versionID: "null") == "zero")
            #expect(try await key.info(versionID: one)?.versionID == one)
            #expect(try await key.info()?.versionID == two)
            let file = try TemporaryDirectory()
            let downloaded = try await key.contents(toFile: file.path + "/one", versionID: one)
            #expect(downloaded.versionID == one)
            #expect(try String(contentsOfFile: file.path + "/one", encoding: .utf8) == "one")
            let streamed = try await key.read(versionID: one) { info, bytes in
                var text = ""
                for try await chunk in bytes { text += String(buffer: chunk) }
                return "\(info.versionID ?? "-"):\(text)"
            }
            #expect(streamed == "\(one):one")

            // A plain delete stacks a marker and hides the key without losing a version.
            let deleted = try await key.delete()
            #expect(deleted.deleteMarker)
            let marker = try #require(deleted.versionID)
            #expect(try await key.info() == nil)
            await #expect { _ = try await key.string() } throws: { ($0 as? S3Error)?.code == .noSuchKey }

            let history = try await bucket.allVersions(prefix: "doc.txt")
            #expect(history.map(\.versionID) == [marker, two, one, "null"])
            #expect(history.map(\.isDeleteMarker) == [true, false, false, false])
            #expect(history.map(\.isLatest) == [true, false, false, false])
            #expect(history[1].size == 3 && history[1].etag == Digests.md5Hex(Data("two".utf8)))
            #expect(history[0].size == nil)

            // Removing the marker brings the newest version back; removing a version is final.
            let unmarked = try await key.delete(versionID: marker)
            #expect(unmarked.deleteMarker)
            #expect(try await key.string() == "two")
            let removed = try await key.delete(versionID: one)
            #expect(!removed.deleteMarker)
            #expect(try await bucket.allVersions(prefix: "doc.txt").map(\.versionID) == [two, "null"])
            await #expect { _ = try await key.string(versionID: one) } throws: { ($0 as? S3Error)?.status == 404 }

            try await bucket.setVersioning(enabled: false)
            #expect(try await bucket.versioning() == .suspended)
            // Suspended: writes replace the `null` version and keep the others.
            #expect(try await key.setContents("three").versionID.map { $0 == "null" } ?? true)
            #expect(try await bucket.allVersions(prefix: "doc.txt").map(\.versionID) == ["null", two])
            #expect(try await key.string(versionID: two) == "two")
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func versionListingPagesWithMarkersAndDelimiter(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "verpage") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            var written: [String: [String]] = [:]
            for (name, count) in [("a", 3), ("b", 1), ("dir/x", 2), ("dir/y", 1), ("c d", 2)] {
                for index in 0..<count {
                    let id = try #require(try await bucket.newKey(name).setContents("\(name)-\(index)").versionID)
                    written[name, default: []].insert(id, at: 0)
                }
            }
            let marker = try #require(try await bucket.newKey("b").delete().versionID)
            written["b"]?.insert(marker, at: 0)

            // Keys in byte order, each key's versions newest first.
            let expected = ["a", "b", "c d", "dir/x", "dir/y"].flatMap { key in written[key]!.map { "\(key)#\($0)" } }
            let whole = try await bucket.allVersions().map { "\($0.key)#\($0.versionID)" }
            #expect(whole == expected)
            for size in [1, 2, 3] {
                var paged: [String] = []
                for try await case .version(let version) in bucket.versions(pageSize: size) {
                    paged.append("\(version.key)#\(version.versionID)")
                }
                #expect(paged == expected, "page size \(size)")
            }

            // One page by hand: truncated, and its markers start the next one where it stopped.
            let first = try await bucket.listVersionsPage(maxKeys: 2)
            #expect(first.isTruncated)
            #expect(first.versions.map(\.versionID) == Array(written["a"]!.prefix(2)))
            let second = try await bucket.listVersionsPage(
                keyMarker: first.nextKeyMarker, versionIDMarker: first.nextVersionIDMarker, maxKeys: 2)
            #expect(second.versions.map { "\($0.key)#\($0.versionID)" } == Array(expected[2..<4]))

            var entries: [VersionEntry] = []
            for try await entry in bucket.versions(delimiter: "/", pageSize: 2) { entries.append(entry) }
            #expect(entries.contains(.commonPrefix("dir/")))
            #expect(entries.filter { if case .commonPrefix = $0 { true } else { false } }.count == 1)
            #expect(entries.compactMap { if case .version(let v) = $0 { v.key } else { nil } }.allSatisfy { !$0.hasPrefix("dir/") })

            var underDir: [String] = []
            for try await case .version(let version) in bucket.versions(prefix: "dir/") { underDir.append(version.key) }
            #expect(underDir == ["dir/x", "dir/x", "dir/y"])
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func copyFromAVersionAndDeleteVersionsInBatch(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "vercopy") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            let key = bucket.newKey("source")
            let old = try #require(try await key.setContents("old text").versionID)
            let new = try #require(try await key.setContents("new text").versionID)
            let restoredCopy = try #require(try await key.copy(key: "restored", versionID: old).copyResult)
            #expect(try await bucket.newKey("restored").string() == "old text")
            #expect(restoredCopy.etag == Digests.md5Hex(Data("old text".utf8)))
            let currentCopy = try #require(try await key.copy(key: "current").copyResult)
            #expect(try await bucket.newKey("current").string() == "new text")
            if target.server == "rgw" {
                // Ceph RGW 16 sends neither x-amz-version-id nor x-amz-copy-source-version-id on
                // a copy (boto3 sees none either); the SDK must not invent them.
                #expect(restoredCopy.versionID == nil && restoredCopy.sourceVersionID == nil)
            } else {
                #expect(restoredCopy.sourceVersionID == old)
                let restoredVersion = try #require(restoredCopy.versionID)
                #expect(try await bucket.newKey("restored").info()?.versionID == restoredVersion)
                // Copying "the current version" still names the version it was.
                #expect(currentCopy.sourceVersionID == new)
                #expect(currentCopy.versionID != nil && currentCopy.versionID != restoredVersion)
            }

            let failures = try await bucket.deleteObjects([.init(key: "source", versionID: old), .init(key: "restored")])
            #expect(failures.isEmpty)
            #expect(try await bucket.allVersions(prefix: "source").map(\.versionID) == [new])
            let restored = try await bucket.allVersions(prefix: "restored")
            #expect(restored.map(\.isDeleteMarker) == [true, false])
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func multipartCompletionNamesTheNewVersion(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "vermp") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            let key = bucket.newKey("assembled")
            let first = try #require(try await key.setContents("single").versionID)
            let upload = try await bucket.initiateMultipartUpload("assembled")
            try await upload.uploadPart(partNumber: 1, data: Data("only part".utf8))
            let result = try await upload.complete()
            let version = try #require(result.versionID)
            #expect(version != first)
            #expect(try await key.info()?.versionID == version)
            #expect(try await key.string(versionID: first) == "single")
            #expect(try await bucket.allVersions(prefix: "assembled").map(\.versionID) == [version, first])
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func unversionedBucketsListNullVersions(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "vernull") { _, bucket in
            try await bucket.newKey("k").setContents("x")
            try await bucket.newKey("k").setContents("y")
            let versions = try await bucket.allVersions()
            #expect(versions.map(\.versionID) == ["null"])
            #expect(versions.first?.isLatest == true && versions.first?.size == 1)
            let outcome = try await bucket.newKey("k").delete()
            #expect(!outcome.deleteMarker)
            #expect(try await bucket.allVersions().isEmpty)
        }
    }
}
