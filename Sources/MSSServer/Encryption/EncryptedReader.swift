import Crypto
import Foundation
import NIOCore
import NIOFileSystem

/// Reads a plaintext range of an encrypted data file, opening only the chunks the range touches.
/// Every chunk is authenticated before any byte of it is handed on, and the file must have
/// exactly the size its metadata implies, so damage is an ``EncryptionFailure``, never wrong bytes.
struct EncryptedReader: Sendable {
    let encryption: StoredEncryption
    let key: SymmetricKey
    let path: String

    /// Delivers the plaintext of `range` in order, at most one chunk at a time. With
    /// `firstChunkOnly`, stops after the first chunk: a cheap check before an answer's headers go.
    func read(_ range: Range<Int64>, firstChunkOnly: Bool = false, deliver: (ByteBuffer) async throws -> Void) async throws {
        guard encryption.isWellFormed else { throw EncryptionFailure.damaged("the encryption metadata is malformed") }
        let chunk = Int64(encryption.chunkSize)
        let sealedChunk = chunk + Int64(EncryptionLayout.tagSize)
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            guard size == encryption.storedSize else {
                throw EncryptionFailure.damaged("the data file has \(size) bytes, \(encryption.storedSize) expected")
            }
            var plainStart: Int64 = 0
            var storedStart: Int64 = 0
            for segment in encryption.segments {
                let plainEnd = plainStart &+ segment.size
                let low = max(range.lowerBound, plainStart)
                let high = min(range.upperBound, plainEnd)
                if low < high, let prefix = segment.nonce {
                    let count = EncryptionLayout.chunkCount(plaintext: segment.size, chunkSize: encryption.chunkSize)
                    for index in ((low - plainStart) / chunk)...((high - 1 - plainStart) / chunk) {
                        let chunkStart = plainStart + index * chunk
                        let plainLength = min(chunk, plainEnd - chunkStart)
                        let sealed = try await handle.readChunk(
                            fromAbsoluteOffset: storedStart + index * sealedChunk, length: .bytes(plainLength + Int64(EncryptionLayout.tagSize)))
                        let plain = try open(
                            Array(sealed.readableBytesView), expected: Int(plainLength), prefix: prefix, index: index, final: index == count - 1)
                        let from = Int(max(low, chunkStart) - chunkStart)
                        let to = Int(min(high, chunkStart + plainLength) - chunkStart)
                        try await deliver(ByteBuffer(bytes: plain[from..<to]))
                        if firstChunkOnly { return }
                    }
                }
                plainStart = plainEnd
                storedStart &+= EncryptionLayout.storedSize(plaintext: segment.size, chunkSize: encryption.chunkSize)
            }
        }
    }

    private func open(_ sealed: [UInt8], expected: Int, prefix: [UInt8], index: Int64, final: Bool) throws -> [UInt8] {
        guard sealed.count == expected + EncryptionLayout.tagSize else {
            throw EncryptionFailure.damaged("chunk \(index) is cut short")
        }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: EncryptionLayout.nonce(prefix: prefix, index: index),
                ciphertext: sealed[..<expected], tag: sealed[expected...])
            return Array(try AES.GCM.open(box, using: key, authenticating: EncryptionLayout.authenticatedData(index: index, final: final)))
        } catch {
            throw EncryptionFailure.damaged("chunk \(index) fails authentication")
        }
    }
}
