import Foundation
import Testing

@testable import MSS

/// A small upload's file read whole: its bytes, or nothing when it is larger than the limit; a
/// link, a folder, a named pipe (never waited on) and a missing path are typed errors.
@Suite("Small file reads")
struct SmallFileReadTests {
    let scratch = ScratchFolder("small-read")

    @Test func aRegularFileIsReadWholeUpToTheLimit() throws {
        defer { scratch.remove() }
        let bytes = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: URL(fileURLWithPath: scratch.file("f")))
        #expect(try SmallFileRead.contents(of: scratch.file("f"), limit: 10_000) == bytes)
        #expect(try SmallFileRead.contents(of: scratch.file("f"), limit: 9_999) == nil)
        try Data().write(to: URL(fileURLWithPath: scratch.file("empty")))
        #expect(try SmallFileRead.contents(of: scratch.file("empty"), limit: 10) == Data())
    }

    @Test func whatIsNotARegularFileIsATypedError() throws {
        defer { scratch.remove() }
        try Data("x".utf8).write(to: URL(fileURLWithPath: scratch.file("target")))
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link"), withDestinationPath: scratch.file("target"))
        try FileManager.default.createDirectory(atPath: scratch.file("dir"), withIntermediateDirectories: false)
        #expect(mkfifo(scratch.file("pipe"), 0o600) == 0)
        for name in ["link", "dir", "pipe", "missing"] {
            #expect(throws: MSSClientError.self, "\(name)") { try SmallFileRead.contents(of: scratch.file("") + name, limit: 100) }
        }
    }
}
