public import Foundation
import AsyncHTTPClient
import Crypto
import NIOCore
import NIOFileSystem
import S3Protocol

extension Key {
    /// The object (or `range` of it) as UTF-8 text (`get_contents_as_string`).
    ///
    /// - Parameters:
    ///   - versionID: a version other than the current one.
    ///   - conditions: preconditions; a failed one throws ``S3Error`` 412 or 304.
    ///   - customerKey: the SSE-C key of an object stored with one.
    public func string(
        range: ByteRange? = nil, versionID: String? = nil, conditions: ObjectConditions? = nil, customerKey: CustomerKey? = nil
    ) async throws -> String {
        String(
            decoding: try await data(range: range, versionID: versionID, conditions: conditions, customerKey: customerKey),
            as: UTF8.self)
    }

    /// The object, or `range` of it, in memory, up to the connection's `maximumInMemoryBody`.
    ///
    /// - Parameters:
    ///   - versionID: a version other than the current one.
    ///   - conditions: preconditions; a failed one throws ``S3Error`` 412 or 304.
    ///   - customerKey: the SSE-C key of an object stored with one.
    public func data(
        range: ByteRange? = nil, versionID: String? = nil, conditions: ObjectConditions? = nil, customerKey: CustomerKey? = nil
    ) async throws -> Data {
        let request = try readRequest("GET", versionID: versionID, conditions: conditions, range: range, customerKey: customerKey)
        return try await connection.receiveData(request, describing: name)
    }

    /// Streams the object (or `range` of it) to the file at `path` (`get_contents_to_filename`).
    ///
    /// The data goes to a temporary file that replaces `path` only when complete, so a failed
    /// download never leaves a truncated file. A whole-object download whose ETag is an MD5 is
    /// checked against it (except for SSE-C objects, whose ETag is not the content's MD5).
    ///
    /// - Parameters:
    ///   - versionID: a version other than the current one.
    ///   - conditions: preconditions; a failed one throws ``S3Error`` 412 or 304.
    ///   - customerKey: the SSE-C key of an object stored with one.
    @discardableResult
    public func contents(
        toFile path: String, range: ByteRange? = nil, versionID: String? = nil, conditions: ObjectConditions? = nil,
        customerKey: CustomerKey? = nil
    ) async throws -> ObjectInfo {
        let request = try readRequest("GET", versionID: versionID, conditions: conditions, range: range, customerKey: customerKey)
        return try await connection.receiveFile(request, describing: name, toFile: path, checkMD5: range == nil)
    }

    /// Whether an ETag is the MD5 of the content (single-part uploads) rather than a multipart one,
    /// so it can be compared with a local file's MD5.
    public static func isPlainMD5(_ etag: String) -> Bool {
        etag.utf8.count == 32 && etag.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
}
