import Foundation
import Logging
import ServiceLifecycle

/// Runs the lifecycle worker when the server starts and then every `interval`, in the server's
/// service group, until the group shuts down (a scan in progress stops between steps).
struct LifecycleService: Service {
    let worker: LifecycleWorker
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown {
                    await worker.run()
                    try await Task.sleep(for: interval)
                }
            } catch {
                // Cancelled by the shutdown: the loop condition ends the service.
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    worker.logger.error("lifecycle service stopped waiting: \(error)")
                    return
                }
            }
        }
    }
}
