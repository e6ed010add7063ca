import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFileSystem
import S3Protocol

/// Receiving a GET's body, shared by object keys and image keys.
extension S3Connection {
    /// The body in memory, up to `maximumInMemoryBody`, checked against its Content-Length.
    func receiveData(_ request: S3Request, describing name: String) async throws -> Data {
        let response = try await send(request, limit: configuration.maximumInMemoryBody)
        let data = Data(response.body.readableBytesView)
        if let expected = response.headers.first(name: "Content-Length").flatMap(Int.init), expected != data.count {
            throw MSSClientError(.integrityCheckFailed, "expected \(expected) bytes of \(name), got \(data.count)")
        }
        return data
    }

    /// The body streamed into the file at `path`, checked against its Content-Length and, when
    /// `checkMD5` is set and the ETag is a plain MD5, against that.
    func receiveFile(_ request: S3Request, describing name: String, toFile path: String, checkMD5 wantsMD5: Bool) async throws -> ObjectInfo {
        try await send(request) { response in
            let info = ObjectInfo(key: name, headers: response.headers)
            let expected = response.headers.first(name: "Content-Length").flatMap(Int64.init)
            let checkMD5 = wantsMD5 && info.etag.map(Key.isPlainMD5) == true
            var md5 = Insecure.MD5()
            var written: Int64 = 0
            do {
                try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)
                ) { handle in
                    var writer = handle.bufferedWriter(capacity: .mebibytes(1))
                    for try await chunk in response.body {
                        if checkMD5 { chunk.withUnsafeReadableBytes { md5.update(bufferPointer: $0) } }
                        written += try await writer.write(contentsOf: chunk)
                    }
                    try await writer.flush()
                    if let expected, expected != written {
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
}
