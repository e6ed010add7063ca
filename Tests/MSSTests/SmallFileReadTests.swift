import Foundation
import Testing

@testable import MSS

/// A small upload's file read whole: its bytes, or nothing when it is larger than the limit; a
/// link, a folder, a named pipe (never waited on) and a missing path are typed errors.
@Suite("Small file reads")
struct SmallFileReadTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "small-read-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    @Test func aRegularFileIsReadWholeUpToTheLimit() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try bytes.write(to: URL(fileURLWithPath: folder + "/f"))
        #expect(try SmallFileRead.contents(of: folder + "/f", limit: 10_000) == bytes)
        #expect(try SmallFileRead.contents(of: folder + "/f", limit: 9_999) == nil)
        try Data().write(to: URL(fileURLWithPath: folder + "/empty"))
        #expect(try SmallFileRead.contents(of: folder + "/empty", limit: 10) == Data())
    }

    @Test func whatIsNotARegularFileIsATypedError() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/target"))
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/target")
        try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: false)
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        for name in ["link", "dir", "pipe", "missing"] {
            #expect(throws: MSSClientError.self, "\(name)") { try SmallFileRead.contents(of: folder + "/" + name, limit: 100) }
        }
    }
}
