import Crypto
import Foundation

/// Turns a stream of plaintext into one sealed segment (see ``StoredEncryption``), holding at
/// most one chunk of plaintext in memory.
struct SegmentSealer: Sendable {
    let key: SymmetricKey
    let noncePrefix: [UInt8]
    let chunkSize: Int
    private var pending: [UInt8] = []
    private var index: Int64 = 0
    /// MD5 of the sealed bytes: the ETag of SSE-C objects, which must not reveal the plaintext's.
    private(set) var sealedMD5 = Insecure.MD5()

    init(key: SymmetricKey, chunkSize: Int = StoredEncryption.defaultChunkSize) {
        self.key = key
        self.noncePrefix = EncryptionLayout.randomBytes(EncryptionLayout.noncePrefixSize)
        self.chunkSize = chunkSize
        pending.reserveCapacity(chunkSize)
    }

    var segmentNoncePrefix: String { Data(noncePrefix).base64EncodedString() }

    /// Adds plaintext; returns the chunks it completed, sealed. A full chunk is sealed only once a
    /// byte after it arrives, because only then is it known not to be the final one.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        var output: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            if pending.count == chunkSize {
                output += try seal(final: false)
            }
            let take = min(chunkSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: bytes[offset..<(offset + take)])
            offset += take
        }
        return output
    }

    /// Seals what is left as the final chunk.
    mutating func finish() throws -> [UInt8] {
        try seal(final: true)
    }

    private mutating func seal(final: Bool) throws -> [UInt8] {
        let box = try AES.GCM.seal(
            pending, using: key, nonce: EncryptionLayout.nonce(prefix: noncePrefix, index: index),
            authenticating: EncryptionLayout.authenticatedData(index: index, final: final))
        var sealed = Array(box.ciphertext)
        sealed += box.tag
        sealedMD5.update(data: sealed)
        pending.removeAll(keepingCapacity: true)
        index += 1
        return sealed
    }
}
