public import Foundation
import FileChecksums
import NIOCore
import NIOFileSystem
import S3Protocol
import Crypto
import NIOHTTP1

extension Key {
    /// Stores `string` as UTF-8 (`set_contents_from_string`).
    @discardableResult
    public func setContents(_ string: String, options: PutOptions = PutOptions()) async throws -> PutResult {
        try await setContents(Data(string.utf8), options: options)
    }

    /// Stores `data`.
    @discardableResult
    public func setContents(_ data: Data, options: PutOptions = PutOptions()) async throws -> PutResult {
        var request = try request("PUT")
        request.headers = options.headers
        if options.sendContentMD5 { request.headers.add("Content-MD5", Digests.md5Base64(data)) }
        request.body = .bytes(ByteBuffer(bytes: data))
        return try await put(request, conditions: options.conditions)
    }

    /// Streams the file at `path` (`set_contents_from_filename`): it is read from disk while it is
    /// sent, never held in memory whole.
    @discardableResult
    public func setContents(fromFile path: String, options: PutOptions = PutOptions()) async throws -> PutResult {
        try await setContents(fromFile: path, size: try await Self.fileSize(path), options: options, onBytesSent: nil)
    }

    /// The streamed single PUT of a file whose size is known, telling `onBytesSent` as bytes go.
    func setContents(
        fromFile path: String, size: Int64, options: PutOptions, onBytesSent: (@Sendable (Int64) -> Void)?
    ) async throws -> PutResult {
        var request = try request("PUT")
        request.headers = options.headers
        if options.sendContentMD5 {
            request.headers.add("Content-MD5", try await Self.md5Base64(ofFile: path, offset: 0, length: size))
        }
        request.body = .file(path: path, offset: 0, length: size)
        request.onBytesSent = onBytesSent
        return try await put(request, conditions: options.conditions)
    }

    private func put(_ request: S3Request, conditions: ObjectConditions?) async throws -> PutResult {
        var request = request
        try conditions?.applyToWrite(&request.headers)
        let response = try await connection.send(request)
        return PutResult(
            etag: response.headers.first(name: "ETag").map(ObjectInfo.unquoted),
            versionID: response.headers.first(name: "x-amz-version-id"))
    }

    static func fileSize(_ path: String) async throws -> Int64 {
        let info: FileInfo?
        do {
            info = try await FileSystem.shared.info(forFileAt: FilePath(path), infoAboutSymbolicLink: false)
        } catch {
            throw MSSClientError(.fileError, "cannot read \(path): \(error)")
        }
        guard let info else { throw MSSClientError(.fileError, "no such file: \(path)") }
        guard info.type == .regular else { throw MSSClientError(.fileError, "not a regular file: \(path)") }
        return info.size
    }

    /// The base64 MD5 of a file region, read in chunks.
    static func md5Base64(ofFile path: String, offset: Int64, length: Int64) async throws -> String {
        do {
            return Data(try await FileDigest.md5(ofFile: path, range: offset..<(offset + length))).base64EncodedString()
        } catch {
            throw MSSClientError(.fileError, "cannot read \(path): \(error)")
        }
    }
}
