import Foundation
import Synchronization
import Testing

@testable import MSSServer

/// The store's group commit: a caller returns only after a flush that began after its call has
/// ended, callers waiting at the same time share one flush, and a failed flush fails exactly the
/// callers it was meant to cover.
@Suite struct DurabilityBarrierTests {
    /// Runs `makeDurable` on a thread of its own (it blocks, as it does on ``StoreIO``'s).
    static func call(_ barrier: DurabilityBarrier, into group: DispatchGroup, result: @escaping @Sendable ((any Error)?) -> Void) {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            do {
                try barrier.makeDurable(files: [], directories: [])
                result(nil)
            } catch {
                result(error)
            }
        }
    }

    @Test func callersArrivingDuringAFlushShareTheNextOneAndReturnOnlyAfterIt() async throws {
        let flushes = TestFlushes()
        flushes.state.withLock { $0.held = [1] }
        let barrier = DurabilityBarrier(path: "test", flush: flushes.run)
        let group = DispatchGroup()
        // What each caller saw on returning: the flushes ended by then, and those begun before it called.
        let seen = Mutex<[(startedBefore: Int, finishedAtReturn: Int)]>([])
        let first = Mutex<Int?>(nil)
        Self.call(barrier, into: group) { error in
            #expect(error == nil)
            first.withLock { $0 = flushes.finished }
        }
        try await StoreFixture.waitUntil { flushes.started == 1 }
        let calling = Mutex(0)
        for _ in 0..<8 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let before = flushes.started
                calling.withLock { $0 += 1 }
                #expect(throws: Never.self) { try barrier.makeDurable(files: [], directories: []) }
                seen.withLock { $0.append((before, flushes.finished)) }
            }
        }
        try await StoreFixture.waitUntil { calling.withLock { $0 } == 8 }
        // Time for the eight to reach the wait; none may return while the first flush runs.
        try await Task.sleep(for: .seconds(1))
        #expect(seen.withLock(\.count) == 0)
        #expect(first.withLock { $0 } == nil)
        flushes.released.signal()
        await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }

        // It led the first flush; by the time it records what it saw, the second may have ended too.
        #expect((first.withLock { $0 } ?? 0) >= 1)
        let results = seen.withLock { $0 }
        #expect(results.count == 8)
        for result in results {
            // The flush running when it called began before its changes: it needs a later one.
            #expect(result.finishedAtReturn > result.startedBefore)
        }
        #expect(flushes.started == 2, "the eight callers waiting together should have shared one flush")
    }

    @Test func aFailedFlushFailsTheCallersItCoveredAndNoOthers() async throws {
        let flushes = TestFlushes()
        flushes.state.withLock {
            $0.held = [1]
            $0.failing = [1]
        }
        let barrier = DurabilityBarrier(path: "/data", flush: flushes.run)
        let group = DispatchGroup()
        let firstError = Mutex<String?>(nil)
        let secondError = Mutex<String?>("not returned")
        Self.call(barrier, into: group) { error in firstError.withLock { $0 = error.map { "\($0)" } } }
        try await StoreFixture.waitUntil { flushes.started == 1 }
        Self.call(barrier, into: group) { error in secondError.withLock { $0 = error.map { "\($0)" } } }
        try await Task.sleep(for: .milliseconds(200))
        flushes.released.signal()
        await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }
        #expect(firstError.withLock { $0 }?.contains("syncfs /data") == true)
        #expect(secondError.withLock { $0 } == nil)
        #expect(flushes.started == 2)
        // Later callers are not told of an old failure.
        #expect(throws: Never.self) { try barrier.makeDurable(files: [], directories: []) }
    }

    @Test func withoutAFilesystemFlushTheNamedPathsAreFsynced() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = root + "/file"
        try DurableFiles.createFile(file, contents: Data("x".utf8), synchronize: false)
        let fallback = DurabilityBarrier(path: root, flush: nil)
        try fallback.makeDurable(files: [file], directories: [root])
        #expect(throws: DurableFiles.Failure.self) { try fallback.makeDurable(files: [root + "/missing"], directories: []) }
        // The real one, on this machine's filesystem.
        let real = try DurabilityBarrier(directory: root)
        try real.makeDurable(files: [file], directories: [root])
        #if os(Linux)
        #expect(throws: DurableFiles.Failure.self) { try DurabilityBarrier(directory: root + "/missing") }
        #endif
    }
}
