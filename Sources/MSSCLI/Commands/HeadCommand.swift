import ArgumentParser
import Foundation
import MSS
import NIOCore
import S3Protocol

/// `mss head`: the start of an object, as `head(1)` shows the start of a file, read with ranged GETs
/// so a big object costs only the bytes shown (a little more for lines: ranges grow from 64 KiB
/// until enough lines have come).
struct HeadCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Write the first lines (or bytes) of an object, reading only those.",
        discussion: "With --json, one object: the text read (UTF-8, damaged bytes replaced), its size and the bytes fetched.")

    @Argument(help: "mss://bucket/key")
    var path: String

    @Option(name: [.customShort("n"), .customLong("lines")], help: "How many lines (default 10).")
    var lines: Int?

    @Option(name: [.customShort("c"), .customLong("bytes")], help: "How many bytes, instead of lines.")
    var bytes: Int64?

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Read this version of the object.")
    var versionID: String?

    @OptionGroup var global: GlobalOptions

    static let firstRange: Int64 = 64 << 10
    static let largestRange: Int64 = 8 << 20

    func run() async throws {
        let location = try Location(path)
        let (bucket, key) = try location.remote("head")
        guard !key.isEmpty, !key.hasSuffix("/") else { throw CLIError.usage("head takes one object: mss://bucket/key") }
        try Session.validate(versionID: versionID)
        if lines != nil && bytes != nil { throw CLIError.usage("give --lines (-n) or --bytes (-c), not both") }
        if let lines, lines < 0 { throw CLIError.usage("--lines must be 0 or more") }
        if let bytes, bytes < 0 { throw CLIError.usage("--bytes must be 0 or more") }
        let json = global.output.json
        try await Session.run(global) { session in
            let object = session.bucket(bucket).newKey(key)
            var collected = Data()
            var fetched: Int64 = 0
            try await session.naming(location, versionID: versionID) {
                let emit: (Data) -> Void = { piece in
                    if json { collected.append(piece) } else { StandardStream.output.write(piece) }
                }
                if let bytes {
                    fetched = try await byteCount(object, count: bytes, emit: emit)
                } else {
                    fetched = try await lineCount(object, count: lines ?? 10, emit: emit)
                }
            }
            if json {
                session.output.result(
                    "", ["bucket": .string(bucket), "key": .string(key), "text": .string(String(decoding: collected, as: UTF8.self)),
                         "size": .int(collected.count), "bytesRead": .int(fetched)])
            }
        }
    }

    /// Bytes `offset...offset+count-1`, fewer at the end of the object; none past it.
    private func range(_ object: Key, from offset: Int64, count: Int64) async throws -> Data {
        do {
            return try await object.data(range: .bounded(offset...(offset + count - 1)), versionID: versionID)
        } catch let error as S3Error where error.status == 416 {
            return Data()  // the range starts at or after the end (an empty object, say)
        }
    }

    /// The first `count` bytes, streamed (a large --bytes never sits in memory, except for --json).
    private func byteCount(_ object: Key, count: Int64, emit: (Data) -> Void) async throws -> Int64 {
        guard count > 0 else {
            // Nothing to show, but a missing object is still an error.
            guard try await object.info(versionID: versionID) != nil else { throw S3Error(status: 404, code: .noSuchKey, message: nil, resource: nil) }
            return 0
        }
        let keep = global.output.json
        let (kept, fetched): (Data, Int64)
        do {
            (kept, fetched) = try await object.read(range: .bounded(0...(count - 1)), versionID: versionID) { _, bytes in
                var kept = Data()
                var fetched: Int64 = 0
                for try await chunk in bytes {
                    // A server that ignores Range sends everything: show only what was asked.
                    let shown = chunk.readableBytesView.prefix(Int(clamping: count - fetched))
                    fetched += Int64(chunk.readableBytes)
                    if keep { kept.append(contentsOf: shown) } else { shown.withUnsafeBytes { StandardStream.output.write($0.bindMemory(to: UInt8.self)) } }
                    if fetched >= count { break }
                }
                return (kept, fetched)
            }
        } catch let error as S3Error where error.status == 416 {
            return 0  // an empty object: no byte to start from
        }
        emit(kept)
        return fetched
    }

    private func lineCount(_ object: Key, count: Int, emit: (Data) -> Void) async throws -> Int64 {
        guard count > 0 else { return try await byteCount(object, count: 0, emit: emit) }
        var offset: Int64 = 0
        var size = Self.firstRange
        var seen = 0
        while true {
            let data = try await range(object, from: offset, count: size)
            offset += Int64(data.count)
            var end = data.endIndex
            for index in data.indices where data[index] == 0x0A {
                seen += 1
                if seen == count {
                    end = data.index(after: index)
                    break
                }
            }
            emit(data[data.startIndex..<end])
            // A short range is the end of the object; a longer one, a server that ignored Range.
            if seen == count || Int64(data.count) != size { return offset }
            size = min(size * 2, Self.largestRange)
        }
    }
}
