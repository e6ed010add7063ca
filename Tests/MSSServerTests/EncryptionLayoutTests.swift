import Crypto
import Foundation
import NIOCore
import S3Protocol
import Testing

@testable import MSSServer

/// The chunked AES-GCM layout of encrypted data files: every range reads back, and reordered,
/// truncated, extended or altered chunks never open. Small chunks keep the files small.
@Suite struct EncryptionLayoutTests {
    static let chunk = 16

    /// Seals `plaintext` as one segment into a file, the way BodyReceiver does (in uneven pieces).
    static func sealedFile(_ plaintext: [UInt8], key: SymmetricKey) throws -> (path: String, encryption: StoredEncryption) {
        var sealer = SegmentSealer(key: key, chunkSize: chunk)
        var output: [UInt8] = []
        var offset = 0
        var step = 1
        while offset < plaintext.count {
            let end = min(plaintext.count, offset + step)
            output += try plaintext[offset..<end].withUnsafeBytes { try sealer.append($0) }
            offset = end
            step = step % 37 + 5
        }
        output += try sealer.finish()
        let path = NSTemporaryDirectory() + "mss-sealed-" + UUID().uuidString
        try Data(output).write(to: URL(fileURLWithPath: path))
        var encryption = StoredEncryption(kind: .s3, wrappedKey: "")
        encryption.chunkSize = chunk
        encryption.segments = [EncryptedSegment(size: Int64(plaintext.count), noncePrefix: sealer.segmentNoncePrefix)]
        return (path, encryption)
    }

    static func read(_ path: String, _ encryption: StoredEncryption, key: SymmetricKey, range: Range<Int64>) async throws -> [UInt8] {
        var collected: [UInt8] = []
        try await EncryptedReader(encryption: encryption, key: key, path: path).read(range) { collected += Array($0.readableBytesView) }
        return collected
    }

    @Test(arguments: [0, 1, 15, 16, 17, 32, 100])
    func everyRangeReadsBack(size: Int) async throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let (path, encryption) = try Self.sealedFile(plaintext, key: key)
        defer { unlink(path) }
        let stored = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(Int64(stored ?? -1) == encryption.storedSize)
        #expect(encryption.storedSize == Int64(size) + EncryptionLayout.chunkCount(plaintext: Int64(size), chunkSize: Self.chunk) * 16)
        for low in 0...size {
            for high in low...size where high > low || size == 0 {
                let got = try await Self.read(path, encryption, key: key, range: Int64(low)..<Int64(high))
                #expect(got == Array(plaintext[low..<high]), "\(low)..<\(high) of \(size)")
            }
        }
        // The plaintext appears nowhere in the sealed file.
        if size >= 8 {
            let sealed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(!sealed.indices.dropLast(7).contains { Array(sealed[$0..<($0 + 8)]) == Array(plaintext[0..<8]) })
        }
    }

    @Test func alteredReorderedTruncatedOrExtendedFilesNeverOpen() async throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = (0..<40).map { UInt8($0) }  // chunks of 16, 16, 8
        let (path, encryption) = try Self.sealedFile(plaintext, key: key)
        defer { unlink(path) }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let whole: Range<Int64> = 0..<40

        func attempt(_ bytes: [UInt8], _ described: StoredEncryption, range: Range<Int64>) async -> Bool {
            try? Data(bytes).write(to: URL(fileURLWithPath: path))
            return (try? await Self.read(path, described, key: key, range: range)) != nil
        }
        #expect(await attempt(original, encryption, range: whole))
        for index in [0, 20, 33, original.count - 1] {
            var altered = original
            altered[index] ^= 0x80
            #expect(!(await attempt(altered, encryption, range: whole)), "byte \(index)")
        }
        // The first two chunks swapped: each opens only at its own index.
        let swapped = Array(original[32..<64] + original[0..<32] + original[64...])
        #expect(!(await attempt(swapped, encryption, range: 0..<16)))
        // The last chunk cut off, and the metadata made to agree: the new last chunk was not sealed as final.
        var shorter = encryption
        shorter.segments[0].size = 32
        #expect(!(await attempt(Array(original[0..<64]), shorter, range: 16..<32)))
        // A file longer or shorter than its metadata says.
        #expect(!(await attempt(original + [0], encryption, range: 0..<1)))
        #expect(!(await attempt(Array(original.dropLast()), encryption, range: 0..<1)))
        // Another key.
        try Data(original).write(to: URL(fileURLWithPath: path))
        await #expect(throws: EncryptionFailure.self) {
            _ = try await Self.read(path, encryption, key: SymmetricKey(size: .bits256), range: whole)
        }
    }

    @Test func dataKeysWrapAndUnwrapOnlyWithTheirKeyAndKind() throws {
        let dataKey = EncryptionLayout.newDataKey()
        let customer = SymmetricKey(size: .bits256)
        let wrapped = try EncryptionLayout.wrap(dataKey, with: customer, kind: .customer)
        #expect(EncryptionLayout.unwrap(wrapped, with: customer, kind: .customer) == dataKey)
        #expect(EncryptionLayout.unwrap(wrapped, with: SymmetricKey(size: .bits256), kind: .customer) == nil)
        #expect(EncryptionLayout.unwrap(wrapped, with: customer, kind: .s3) == nil)
        #expect(EncryptionLayout.unwrap("not base64", with: customer, kind: .customer) == nil)
        // The wrapped form never holds the customer's key or the data key.
        let raw = customer.withUnsafeBytes { Data($0).base64EncodedString() }
        #expect(!wrapped.contains(raw))
    }

    @Test func encryptedDocumentsNeedTheGovernanceFormat() throws {
        var object = StoreFixture.object("k")
        #expect(StoredKey(object).requiredFormat == .initial)
        var old = object
        object.encryption = StoredEncryption(kind: .s3, wrappedKey: "w", segments: [EncryptedSegment(size: 1, noncePrefix: "AAAAAAAAAAA=")])
        old.versionID = "v1"
        // Also when only an older version is encrypted: an older server would serve its ciphertext.
        object.versionID = "v2"
        #expect(StoredKey(object).requiredFormat == .governance)
        #expect(StoredKey(old, noncurrent: [object]).requiredFormat == .governance)
        #expect(FormatVersion.current >= .governance && FormatVersion.governance > .versions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(StoredKey(object)), as: UTF8.self)
        #expect(text.contains("\"formatVersion\":3"))
        let decoded = try JSONDecoder().decode(StoredKey.self, from: Data(text.utf8))
        #expect(decoded.newest.encryption == object.encryption)
    }

    /// An older server would keep the bytes of these but drop their tags and rules the next time
    /// it rewrote the document, so they need the same format as encrypted objects.
    @Test func tagsAndBucketRulesNeedTheGovernanceFormat() throws {
        var object = StoreFixture.object("k")
        object.tags = [StoredTag(key: "a", value: "b")]
        #expect(StoredKey(object).requiredFormat == .governance)
        var bucket = StoredBucket(name: "b", created: Date(), acl: .private)
        #expect(bucket.requiredFormat == .initial)
        bucket.tags = [StoredTag(key: "team", value: "x")]
        #expect(bucket.requiredFormat == .governance)
        bucket.tags = nil
        bucket.cors = []
        #expect(bucket.requiredFormat == .governance)
        bucket.cors = nil
        bucket.lifecycle = LifecycleConfiguration(rules: [])
        #expect(bucket.requiredFormat == .governance)
    }

    @Test func theMasterKeyFileIsPrivateAndStable() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/.mss", withIntermediateDirectories: true)
        let first = try await MasterKeyFile.key(root: URL(fileURLWithPath: root))
        let path = root + "/" + MasterKeyFile.relativePath
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == 32)
        #expect(try await MasterKeyFile.key(root: URL(fileURLWithPath: root)) == first)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first.withUnsafeBytes { Data($0) })
    }
}
