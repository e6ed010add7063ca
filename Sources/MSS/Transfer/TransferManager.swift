import Foundation
import NIOCore
import NIOFileSystem
import S3Protocol
import Synchronization

/// Moves big files and many files fast, in bounded memory: multipart uploads and ranged
/// downloads in parallel, with progress, cancellation and resumption after a restart.
///
/// ```swift
/// let transfers = TransferManager(connection: conn)
/// try await transfers.upload(file: "/data/video.mp4", to: bucket.newKey("video.mp4")) { progress in
///     print(progress.bytesTransferred, "of", progress.totalBytes)
/// }
/// try await transfers.download(bucket.newKey("video.mp4"), toFile: "/tmp/video.mp4")
/// ```
public struct TransferManager: Sendable {
    public let connection: S3Connection
    public var configuration: TransferConfiguration

    public init(connection: S3Connection, configuration: TransferConfiguration = TransferConfiguration()) {
        self.connection = connection
        self.configuration = configuration
    }

    /// Runs `work` for each index in `indices`, at most `limit` at a time; the first error
    /// cancels the rest.
    static func forEach<Indices: Sequence & Sendable>(
        _ indices: Indices, limit: Int, _ work: @escaping @Sendable (Indices.Element) async throws -> Void
    ) async throws where Indices.Element: Sendable {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for index in indices {
                if running == limit {
                    try await group.next()
                    running -= 1
                }
                try Task.checkCancellation()
                group.addTask { try await work(index) }
                running += 1
            }
            try await group.waitForAll()
        }
    }
}
