import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import S3Protocol

/// Receiving a GET's body, shared by object keys and image keys. Both resume a body that breaks
/// off (``ResumableBody``).
extension S3Connection {
    /// The body in memory, up to `maximumInMemoryBody`, checked against its Content-Length.
    func receiveData(_ request: S3Request, describing name: String) async throws -> Data {
        var body = try await ResumableBody(connection: self, request: request, describing: name)
        let limit = configuration.maximumInMemoryBody
        if let length = body.length, length > Int64(limit) {
            throw MSSClientError(
                .invalidArgument, "\(name) is \(length) bytes, more than the \(limit) read into memory at most; download it to a file")
        }
        var buffer = ByteBuffer()
        let received = try await body.stream(advice: "nothing was returned; try again") { chunk in
            guard chunk.readableBytes <= limit - buffer.readableBytes else {
                throw MSSClientError(.invalidArgument, "\(name) is more than the \(limit) bytes read into memory at most; download it to a file")
            }
            buffer.writeImmutableBuffer(chunk)
        }
        if let expected = body.length, expected != received {
            throw MSSClientError(.integrityCheckFailed, "expected \(expected) bytes of \(name), got \(received)")
        }
        return Data(buffer.readableBytesView)
    }

    /// The body streamed into the file at `path`, checked against its Content-Length and, when
    /// `checkMD5` is set and the ETag is a plain MD5, against that.
    func receiveFile(_ request: S3Request, describing name: String, toFile path: String, checkMD5 wantsMD5: Bool) async throws -> ObjectInfo {
        var body = try await ResumableBody(connection: self, request: request, describing: name)
        let info = body.info
        // An SSE-C object's ETag is not the MD5 of its content (on S3 and mss-server).
        let checkMD5 = wantsMD5 && info.etag.map(Key.isPlainMD5) == true && info.customerKeyMD5 == nil
        if let length = body.length, length <= WholeFileWrite.limit {
            // Small: collected, checked, then written whole in one trip to the disk's threads.
            var buffer = ByteBuffer()
            buffer.reserveCapacity(Int(length))
            let received = try await body.stream(advice: "\(path) was left as it was; run the same download again") { chunk in
                buffer.writeImmutableBuffer(chunk)
            }
            guard received == length else {
                throw MSSClientError(.integrityCheckFailed, "expected \(length) bytes of \(name), got \(received)")
            }
            if checkMD5, let etag = info.etag {
                var md5 = Insecure.MD5()
                buffer.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
                guard Digests.hex(md5.finalize()) == etag.lowercased() else {
                    throw MSSClientError(.integrityCheckFailed, "MD5 of the downloaded \(name) does not match its ETag")
                }
            }
            try await WholeFileWrite.replace(path, with: buffer)
            return info
        }
        var md5 = Insecure.MD5()
        do {
            try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)
            ) { handle in
                var writer = handle.bufferedWriter(capacity: .mebibytes(1))
                let written = try await body.stream(advice: "\(path) was left as it was; run the same download again") { chunk in
                    if checkMD5 { chunk.withUnsafeReadableBytes { md5.update(bufferPointer: $0) } }
                    _ = try await writer.write(contentsOf: chunk)
                }
                try await writer.flush()
                if let expected = body.length, expected != written {
                    throw MSSClientError(.integrityCheckFailed, "expected \(expected) bytes of \(name), got \(written)")
                }
                if checkMD5, let etag = info.etag, Digests.hex(md5.finalize()) != etag.lowercased() {
                    throw MSSClientError(.integrityCheckFailed, "MD5 of the downloaded \(name) does not match its ETag")
                }
            }
        } catch let error as MSSClientError {
            throw error
        } catch let error as FileSystemError {
            throw MSSClientError(.fileError, "cannot write \(path): \(error)")
        }
        return info
    }
}
