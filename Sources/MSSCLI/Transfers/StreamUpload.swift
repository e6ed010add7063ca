import Foundation
import MSS
import NIOCore
import S3Protocol
import Synchronization

/// `mss cp - mss://bucket/key`: standard input to an object without knowing its length. One PUT
/// when the input ends within the first part; otherwise a multipart upload with at most
/// `concurrency` parts in flight plus the one being read, so memory stays near
/// `partSize` × (`concurrency` + 2) however long the input. A failure, SIGINT or SIGTERM aborts the
/// multipart upload, so no parts are left behind on the server.
struct StreamUpload {
    let key: Key
    let options: PutOptions
    let partSize: Int
    let concurrency: Int
    let output: Output

    struct Outcome {
        var result: PutResult
        var size: Int64
        var parts: Int
    }

    func run(from reader: StandardInputReader) async throws -> Outcome {
        let active = ActiveUpload()
        let output = output
        // A read of standard input cannot be cancelled, so the signal handler aborts the upload
        // itself and ends the process.
        let trap = SignalTrap { number in
            Task {
                if let upload = active.upload.withLock({ $0 }) { try? await upload.cancel() }
                output.error("interrupted: the upload to \(key.bucket.name)/\(key.name) was aborted; nothing was stored")
                exit(128 + number)
            }
        }
        defer { trap.stop() }

        var first = try await reader.read(upTo: partSize)
        // A second read tells an input of exactly one part (a single PUT) from a longer one.
        var second = first.ended ? nil : try await reader.read(upTo: partSize)
        if first.ended || (second?.bytes.readableBytes == 0 && second?.ended == true) {
            let data = Data(first.bytes.readableBytesView)
            let result = try await key.setContents(data, options: options)
            return Outcome(result: result, size: Int64(data.count), parts: 1)
        }
        // Read parts wait here; each leaves the queue as its upload starts, so its memory goes
        // with the upload.
        var queue = [first] + (second.map { [$0] } ?? [])
        first = StandardInputReader.Part(bytes: ByteBuffer(), ended: true)
        second = nil

        let upload = try await key.bucket.initiateMultipartUpload(key.name, options: options)
        active.upload.withLock { $0 = upload }
        do {
            var size = Int64(0)
            let parts = try await withThrowingTaskGroup(of: CompletedPart.self) { group in
                var done: [CompletedPart] = []
                var running = 0
                var number = 0
                while !queue.isEmpty {
                    let part = queue.removeFirst()
                    if part.bytes.readableBytes > 0 {
                        number += 1
                        guard number <= MultipartUpload.partNumbers.upperBound else {
                            throw CLIError("standard input is longer than 10,000 parts of \(HumanFormat.size(Int64(partSize))); give a larger --part-size")
                        }
                        if running == concurrency, let finished = try await group.next() {
                            done.append(finished)
                            running -= 1
                        }
                        size += Int64(part.bytes.readableBytes)
                        let partNumber = number
                        group.addTask { try await upload.uploadPart(partNumber: partNumber, buffer: part.bytes) }
                        running += 1
                    }
                    if part.ended { break }
                    if queue.isEmpty { queue.append(try await reader.read(upTo: partSize)) }
                }
                for try await finished in group { done.append(finished) }
                return done
            }
            let result = try await upload.complete(parts: parts)
            active.upload.withLock { $0 = nil }
            return Outcome(result: result, size: size, parts: parts.count)
        } catch {
            active.upload.withLock { $0 = nil }
            await Task { try? await upload.cancel() }.value
            throw error
        }
    }
}

/// The multipart upload in progress, for the signal handler that aborts it.
private final class ActiveUpload: Sendable {
    let upload = Mutex<MultipartUpload?>(nil)
}
