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
        try await forEach(SequenceOfItems(items: indices), limit: limit, work)
    }

    /// The same, for items that arrive over time (a listing being fetched): each starts as
    /// soon as it arrives and a place is free.
    static func forEach<Items: AsyncSequence>(
        _ items: Items, limit: Int, _ work: @escaping @Sendable (Items.Element) async throws -> Void
    ) async throws where Items.Element: Sendable {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for try await item in items {
                if running == limit {
                    try await group.next()
                    running -= 1
                }
                try Task.checkCancellation()
                group.addTask { try await work(item) }
                running += 1
            }
            try await group.waitForAll()
        }
    }
}

/// A sequence walked as an `AsyncSequence` that never waits.
private struct SequenceOfItems<Items: Sequence>: AsyncSequence {
    let items: Items

    struct AsyncIterator: AsyncIteratorProtocol {
        var iterator: Items.Iterator

        mutating func next() async -> Items.Element? {
            iterator.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(iterator: items.makeIterator())
    }
}
