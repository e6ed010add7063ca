import Crypto
import Foundation
import S3Protocol
import Testing

@testable import MSSServer
import HTTPTypes

/// CompleteMultipartUpload joins exactly the parts it validated, whatever UploadPart does to the
/// same part numbers meanwhile, and an upload that ended answers NoSuchUpload.
@Suite struct MultipartCompletionTests {
    static let partSize = Int(ObjectStore.minimumPartSize) + 1

    /// Uploads `body` as part `number` the way UploadPart does.
    @discardableResult
    static func uploadPart(_ store: ObjectStore, upload: String, number: Int, body: Data) async throws -> PartRecord {
        let temporary = store.temporaryPath()
        try body.write(to: URL(fileURLWithPath: temporary))
        let md5 = Digests.hex(Insecure.MD5.hash(data: body))
        return try await store.commitPart(
            PartRecord(number: number, size: Int64(body.count), etag: md5, lastModified: Date()), upload: upload, temporaryPath: temporary)
    }

    @Test func concurrentUploadsOfTheSamePartDoNotChangeACompletion() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("joined", size: 0))
        let first = Data(repeating: UInt8(ascii: "A"), count: Self.partSize)
        let last = Data("the end".utf8)
        let one = try await Self.uploadPart(store, upload: upload.id, number: 1, body: first)
        let two = try await Self.uploadPart(store, upload: upload.id, number: 2, body: last)

        let parts = try await store.beginCompletion(
            upload.id, requested: [CompletedPart(partNumber: 1, etag: "\"\(one.etag)\""), CompletedPart(partNumber: 2, etag: two.etag)])
        #expect(parts == [one, two])
        // An UploadPart of each number landing between the validation and the reading...
        try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data(repeating: UInt8(ascii: "Z"), count: Self.partSize))
        try await Self.uploadPart(store, upload: upload.id, number: 2, body: Data("replaced early".utf8))
        // ...and more of them, again and again, while it reads.
        let rewriter = Task {
            for round in 0..<12 {
                let byte = UInt8(ascii: round.isMultiple(of: 2) ? "B" : "C")
                try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data(repeating: byte, count: Self.partSize))
                try await Self.uploadPart(store, upload: upload.id, number: 2, body: Data("replaced \(round)".utf8))
            }
        }
        let temporary = store.temporaryPath()
        try await store.joinParts(parts, upload: upload.id, into: temporary)
        try await rewriter.value
        var object = StoreFixture.object("joined", size: Int64(first.count + last.count))
        object.etag = ObjectStore.multipartETag(parts)
        let stored = try await store.finishUpload(upload.id, object: object, temporaryPath: temporary)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: store.dataPath(bucket: "bucket", object: stored)))
        #expect(bytes.count == first.count + last.count)
        // A Bool, not the 5 MiB values: a failure would otherwise print a diff of them.
        let exact = bytes == first + last
        #expect(exact, "the completed object mixes in bytes of a later upload of a part")
        #expect(!FileManager.default.fileExists(atPath: store.uploadDirectory(upload.id).path))

        // Late UploadPart and completion: the upload is gone, not a server error.
        let late = store.temporaryPath()
        try Data("late".utf8).write(to: URL(fileURLWithPath: late))
        let error = await #expect(throws: S3ServerError.self) {
            try await store.commitPart(PartRecord(number: 1, size: 4, etag: "x", lastModified: Date()), upload: upload.id, temporaryPath: late)
        }
        #expect(error?.status == 404)
        #expect(error?.code == .noSuchUpload)
        #expect(!FileManager.default.fileExists(atPath: late), "the late part's temporary file was left behind")
        let again = await #expect(throws: S3ServerError.self) {
            _ = try await store.beginCompletion(upload.id, requested: [CompletedPart(partNumber: 1, etag: one.etag)])
        }
        #expect(again?.code == .noSuchUpload)
    }

    @Test func aReplacedPartIsRemovedOnceNoCompletionCanReadIt() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("k", size: 0))
        let old = try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data("old".utf8))
        let oldPath = store.partDataPath(upload: upload.id, part: old)

        let chosen = try await store.beginCompletion(upload.id, requested: [CompletedPart(partNumber: 1, etag: old.etag)])
        let new = try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data("new".utf8))
        #expect(new.file != old.file)
        #expect(FileManager.default.fileExists(atPath: oldPath), "a part file a completion chose was removed")
        #expect(await store.parts(of: upload.id) == [new])
        await store.endCompletion(upload.id)
        #expect(!FileManager.default.fileExists(atPath: oldPath))
        #expect(chosen == [old])

        // Without a completion running, a replaced part goes at once.
        let newPath = store.partDataPath(upload: upload.id, part: new)
        try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data("newer".utf8))
        #expect(!FileManager.default.fileExists(atPath: newPath))

        // A restart keeps the current part and its record.
        let reopened = try await ObjectStore(path: root)
        let parts = await reopened.parts(of: upload.id)
        #expect(parts.count == 1)
        let part = try #require(parts.first)
        #expect(try String(contentsOfFile: reopened.partDataPath(upload: upload.id, part: part), encoding: .utf8) == "newer")
    }

    @Test func aLatePartAfterAbortIsNoSuchUpload() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("k", size: 0))
        try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data("x".utf8))
        await store.abortUpload(upload.id)
        let error = await #expect(throws: S3ServerError.self) {
            try await Self.uploadPart(store, upload: upload.id, number: 1, body: Data("late".utf8))
        }
        #expect(error?.code == .noSuchUpload)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/tmp").isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/uploads").isEmpty)
    }

    @Test func partsFromBeforeUniqueNamesStillComplete() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let id: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("k", size: 0))
            id = upload.id
            let part = try await Self.uploadPart(store, upload: id, number: 1, body: Data("legacy".utf8))
            // The layout of an earlier server: bytes at part-00001, a record without a file name.
            let directory = store.uploadDirectory(id).path
            try FileManager.default.moveItem(atPath: store.partDataPath(upload: id, part: part), toPath: directory + "/part-00001")
            try StoreFixture.editJSON(directory + "/part-00001.json") { document in
                document["file"] = nil
                document["formatVersion"] = nil
            }
        }
        let store = try await ObjectStore(path: root)
        let parts = try await store.beginCompletion(id, requested: [CompletedPart(partNumber: 1, etag: Digests.hex(Insecure.MD5.hash(data: Data("legacy".utf8))))])
        let temporary = store.temporaryPath()
        try await store.joinParts(parts, upload: id, into: temporary)
        #expect(try String(contentsOfFile: temporary, encoding: .utf8) == "legacy")
        await store.endCompletion(id)
    }
}
