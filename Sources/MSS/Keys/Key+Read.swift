public import Foundation
import AsyncHTTPClient
import Crypto
import NIOCore
import NIOFileSystem
import S3Protocol

extension Key {
    /// The object (or `range` of it) as UTF-8 text (`get_contents_as_string`).
    public func string(range: ByteRange? = nil) async throws -> String {
        String(decoding: try await data(range: range), as: UTF8.self)
    }

    /// The object, or `range` of it, in memory, up to the connection's `maximumInMemoryBody`.
    public func data(range: ByteRange? = nil) async throws -> Data {
        var request = try request("GET")
        if let range { request.headers.add("Range", range.headerValue) }
        let limit = connection.configuration.maximumInMemoryBody
        let response = try await connection.send(request, limit: limit)
        let data = Data(response.body.readableBytesView)
        if let expected = response.headers.first(name: "Content-Length").flatMap(Int.init), expected != data.count {
            throw MSSClientError(.integrityCheckFailed, "expected \(expected) bytes of \(name), got \(data.count)")
        }
        return data
    }

    /// Streams the object (or `range` of it) to the file at `path` (`get_contents_to_filename`).
    ///
    /// The data goes to a temporary file that replaces `path` only when complete, so a failed
    /// download never leaves a truncated file. A whole-object download whose ETag is an MD5 is
    /// checked against it.
    @discardableResult
    public func contents(toFile path: String, range: ByteRange? = nil) async throws -> ObjectInfo {
        var request = try request("GET")
        if let range { request.headers.add("Range", range.headerValue) }
        let name = self.name
        return try await connection.send(request) { response in
            let info = ObjectInfo(key: name, headers: response.headers)
            let expected = response.headers.first(name: "Content-Length").flatMap(Int64.init)
            let checkMD5 = range == nil && info.etag.map(Self.isPlainMD5) == true
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

    /// Whether an ETag is the MD5 of the content (single-part uploads) rather than a multipart one.
    static func isPlainMD5(_ etag: String) -> Bool {
        etag.utf8.count == 32 && etag.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
}
