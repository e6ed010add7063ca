import Logging
import ServiceLifecycle

/// Compacts the document packs of every bucket that keeps them (``ObjectStore/compactPacks(bucket:force:)``)
/// once in each `interval`, in the server's service group, until the group shuts down (a
/// compaction in progress stops between keys).
struct PackCompactionService: Service {
    let store: ObjectStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                    for bucket in await store.bucketsWithPacks() where !Task.isCancelled {
                        do {
                            try await store.compactPacks(bucket: bucket)
                        } catch {
                            // Left for the next round: nothing was removed that a key uses.
                            logger.error("document packs not compacted", metadata: ["bucket": "\(bucket)", "error": "\(error)"])
                        }
                    }
                }
            } catch {
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    logger.error("document pack compaction stopped waiting: \(error)")
                    return
                }
            }
        }
    }
}
