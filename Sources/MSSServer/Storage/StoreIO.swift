import Foundation
import NIOPosix

/// Threads for the store's blocking file work (fsync and rename), so that neither the store's
/// actor nor Swift's few cooperative threads wait on the disk. Several threads: fsyncs of
/// different keys then run at once, and the filesystem's journal commits them together.
enum StoreIO {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    static func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async throws -> Result {
        try await pool.runIfActive(work)
    }
}
