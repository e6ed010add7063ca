import Foundation
import MSS
import NIOCore
import S3Protocol

/// Remote-to-remote copies that the SDK's plain copy does not cover: new object settings (CopyObject
/// with the REPLACE directive, or a multipart upload of part copies above 5 GiB), and copies between
/// two servers, where each part is a ranged GET from the source sent as one part of a multipart
/// upload to the destination: memory near 2 × `partSize` × `concurrency`, no temporary file.
struct RemoteCopy: Sendable {
    /// The destination's connection.
    let connection: S3Connection
    /// Where sources are read; the destination's server when nil.
    let source: SourceConnection?
    let settings: ObjectSettings
    let configuration: TransferConfiguration

    /// Whether the bytes have to travel through this process.
    var crossesServers: Bool { source.map { !$0.sameServer } ?? false }

    /// Whether the SDK's plain server-side copy (which keeps every header) does the job.
    var isPlain: Bool {
        !crossesServers && !settings.replacesHeaders && settings.acl == nil && settings.encryption == nil && settings.sourceKey == nil
            && settings.tags == nil
    }

    /// A source bucket: on the source's connection between two servers, else on the destination's
    /// (the same server, reached with keys known to work for the copy).
    func sourceBucket(_ name: String) -> Bucket {
        if crossesServers, let source { return source.bucket(name) }
        return Bucket(connection: connection, name: name)
    }

    /// Copies one object; returns the new object's ETag and the size copied.
    func copy(bucket: String, key: String, versionID: String?, to destinationBucket: String, key destinationKey: String) async throws
        -> (etag: String?, size: Int64)
    {
        let from = sourceBucket(bucket).newKey(key)
        let to = Bucket(connection: connection, name: destinationBucket).newKey(destinationKey)
        guard let info = try await from.info(versionID: versionID, customerKey: settings.sourceKey) else {
            throw S3Error(status: 404, code: .noSuchKey, message: "\(key) does not exist", resource: "/\(bucket)/\(key)")
        }
        if isPlain {
            let result = try await TransferManager(connection: connection, configuration: configuration).copy(
                from, to: to, versionID: versionID, encryption: settings.encryption, sourceCustomerKey: settings.sourceKey)
            return (result.etag, info.size)
        }
        let options = settings.putOptions(copying: info)
        if crossesServers { return (try await stream(from, info: info, versionID: versionID, to: to, options: options), info.size) }
        if info.size <= TransferManager.maximumSingleCopy {
            let copied = try await from.copy(
                toBucket: destinationBucket, key: destinationKey, metadata: settings.replacesHeaders ? .replace(options) : .copy,
                acl: settings.acl, versionID: versionID, encryption: settings.encryption, sourceCustomerKey: settings.sourceKey,
                tagging: settings.tags.map { .replace($0) } ?? .copy)
            return (copied.copyResult?.etag, info.size)
        }
        guard versionID == nil else {
            throw CLIError("copying an old version above 5 GiB with new settings is not supported; copy it first, then set them")
        }
        return (try await partCopies(from, info: info, to: to, options: options), info.size)
    }

    /// Above 5 GiB on one server: UploadPartCopy ranges into a multipart upload that carries the
    /// new settings.
    private func partCopies(_ from: Key, info: ObjectInfo, to: Key, options: PutOptions) async throws -> String? {
        let partSize = configuration.partSize(forObjectOf: info.size)
        let count = Int((info.size + partSize - 1) / partSize)
        let upload = try await to.bucket.initiateMultipartUpload(to.name, options: options)
        do {
            let parts = try await Self.inParallel(Array(1...count), limit: configuration.concurrency) { number in
                let start = Int64(number - 1) * partSize
                return try await upload.uploadPartCopy(
                    partNumber: number, source: from, range: start...(min(info.size, start + partSize) - 1), sourceCustomerKey: settings.sourceKey)
            }
            return try await upload.complete(parts: parts).etag
        } catch {
            await Task { try? await upload.cancel() }.value
            throw error
        }
    }

    /// Between two servers: one GET and PUT up to a part, else ranged GETs (each on condition the
    /// source still has the ETag read first) into the parts of a multipart upload.
    private func stream(_ from: Key, info: ObjectInfo, versionID: String?, to: Key, options: PutOptions) async throws -> String? {
        let unchanged = info.etag.map { ObjectConditions.ifMatch($0) }
        let partSize = configuration.partSize(forObjectOf: info.size)
        if info.size <= partSize {
            let data = try await from.data(versionID: versionID, conditions: unchanged, customerKey: settings.sourceKey)
            return try await to.setContents(data, options: options).etag
        }
        let count = Int((info.size + partSize - 1) / partSize)
        let upload = try await to.bucket.initiateMultipartUpload(to.name, options: options)
        do {
            let parts = try await Self.inParallel(Array(1...count), limit: configuration.concurrency) { number in
                let start = Int64(number - 1) * partSize
                let data = try await from.data(
                    range: .bounded(start...(min(info.size, start + partSize) - 1)), versionID: versionID, conditions: unchanged,
                    customerKey: settings.sourceKey)
                return try await upload.uploadPart(partNumber: number, data: data)
            }
            return try await upload.complete(parts: parts).etag
        } catch {
            await Task { try? await upload.cancel() }.value
            throw error
        }
    }

    /// Runs `work` for each item, at most `limit` at once; the first error cancels the rest.
    static func inParallel<Item: Sendable, Result: Sendable>(
        _ items: [Item], limit: Int, _ work: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        try await withThrowingTaskGroup(of: Result.self) { group in
            var results: [Result] = []
            var running = 0
            for item in items {
                if running >= max(1, limit), let done = try await group.next() {
                    results.append(done)
                    running -= 1
                }
                group.addTask { try await work(item) }
                running += 1
            }
            for try await done in group { results.append(done) }
            return results
        }
    }
}
