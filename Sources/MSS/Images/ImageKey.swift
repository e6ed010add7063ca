public import Foundation
public import MSSImageProcess
import S3Protocol

/// A key seen through the MSS image service: the object at ``key`` processed by ``process``
/// (`get_image_key` in `mssapi`). Requests go to the connection's image host as
/// `GET /{bucket}/{key}@{process}`, signed like any GET.
///
/// ```swift
/// let rotated = try bucket.imageKey("example.jpg", process: "30r")
/// try await rotated.contents(toFile: "example_rotation.jpg")
/// print(try rotated.generateURL(expiresIn: 3600))
///
/// let thumb = bucket.imageKey("example.jpg", process: ImageProcess().resize(width: 100, height: 100, mode: .shortEdge).centerCrop())
/// ```
public struct ImageKey: Sendable, Hashable {
    /// The source object.
    public let key: Key
    public let process: ImageProcess
    /// The process string sent: as the caller wrote it, or the builder's rendering.
    public let processString: String

    init(key: Key, process: ImageProcess, processString: String) {
        self.key = key
        self.process = process
        self.processString = processString
    }

    /// `{key}@{process}`, the name the image service answers to.
    public var name: String { key.name + "@" + processString }

    private func request(_ method: String) throws -> S3Request {
        try Key.validate(key.name)
        try Key.validate(name)
        try Bucket.validateExisting(key.bucket.name)
        var request = S3Request(method: method, bucket: key.bucket.name, key: name)
        request.service = .image
        return request
    }

    /// The processed image in memory.
    public func data() async throws -> Data {
        try await key.connection.receiveData(try request("GET"), describing: name)
    }

    /// Streams the processed image to the file at `path` (`get_contents_to_filename`), replacing
    /// it only when the download is complete. The ETag is the MD5 of the processed bytes, and is
    /// checked.
    @discardableResult
    public func contents(toFile path: String) async throws -> ObjectInfo {
        try await key.connection.receiveFile(try request("GET"), describing: name, toFile: path, checkMD5: true)
    }

    /// HEAD: size, type and ETag of the processed image, or nil when the source does not exist.
    public func info() async throws -> ObjectInfo? {
        do {
            let response = try await key.connection.send(try request("HEAD"))
            return try ObjectInfo(key: name, headers: response.headers)
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }

    /// A presigned URL for the processed image on the image host (`generate_url`).
    public func generateURL(expiresIn seconds: TimeInterval) throws -> URL {
        try generateURL(expiry: .after(seconds))
    }

    /// A presigned URL for the processed image, valid until `expiry`.
    public func generateURL(expiry: Expiry) throws -> URL {
        try key.connection.presignedURL(
            method: .get, bucket: key.bucket.name, key: name, expiry: expiry, query: [], headers: [:], now: Date(),
            service: .image)
    }
}

extension Bucket {
    /// The image service's view of `name` processed by `process`, a string of the '@' grammar
    /// such as `30r` or `watermark=2&text=aGVsbG8sIHdvcmxk` (`get_image_key`). The string is
    /// checked here and sent as written.
    ///
    /// - Throws: ``MSSClientError`` with kind `invalidArgument` naming the bad token.
    public func imageKey(_ name: String, process: String) throws -> ImageKey {
        do {
            return ImageKey(key: newKey(name), process: try ImageProcess(parsing: process), processString: process)
        } catch {
            throw MSSClientError(.invalidArgument, "invalid image process '\(process)': \(error.message)")
        }
    }

    /// The image service's view of `name` processed by a built `ImageProcess`.
    public func imageKey(_ name: String, process: ImageProcess) -> ImageKey {
        ImageKey(key: newKey(name), process: process, processString: process.rendered)
    }
}
