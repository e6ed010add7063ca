import Foundation
import Testing

@testable import MSSCLI

/// `mss run` reads its file a block at a time: lines across blocks, CRLF, no final newline, and
/// limits instead of unbounded buffers.
@Suite struct LineReaderTests {
    private func reader(_ bytes: Data) throws -> LineReader {
        let file = try ChildProcess.scratchFile()
        try file.write(contentsOf: bytes)
        try file.seek(toOffset: 0)
        return LineReader(file)
    }

    @Test func linesAcrossBlocks() throws {
        let long = String(repeating: "x", count: 100_000)
        var lines = try reader(Data("a\r\n\nb c\n\(long)\nlast".utf8))
        var read: [String] = []
        while let line = try lines.next() { read.append(line) }
        #expect(read == ["a", "", "b c", long, "last"])
    }

    @Test func limits() throws {
        var tooLong = try reader(Data(repeating: UInt8(ascii: "y"), count: LineReader.maximumLength + 70_000))
        #expect(throws: LineReader.Failure.self) { _ = try tooLong.next() }
        var binary = try reader(Data([0x66, 0xff, 0xfe, 0x0a]))
        #expect(throws: LineReader.Failure.self) { _ = try binary.next() }
        var empty = try reader(Data())
        #expect(try empty.next() == nil)
    }
}
