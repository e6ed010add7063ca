import Foundation
import NIOCore
import Testing

@testable import MSS

/// A small download's body written whole: the file appears with exactly those bytes, replaces
/// what was there, keeps the usual permissions, and leaves nothing else in its folder, or fails
/// with a typed error and leaves nothing at all.
@Suite("Whole file writes")
struct WholeFileWriteTests {
    let scratch = ScratchFolder("whole-file")

    @Test func aNewFileHoldsTheBytesAndNothingElseIsLeft() async throws {
        defer { scratch.remove() }
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try await WholeFileWrite.replace(scratch.file("a b%.bin"), with: ByteBuffer(bytes: bytes))
        #expect(FileManager.default.contents(atPath: scratch.file("a b%.bin")) == Data(bytes))
        #expect(try scratch.entries() == ["a b%.bin"])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: scratch.file("a b%.bin"))[.posixPermissions] as? Int)
        // 0644 less the umask (not read here: changing it, even for a moment, would race the
        // other tests of the process): the owner reads and writes, nobody else writes, nothing
        // is executable.
        #expect(mode & 0o600 == 0o600)
        #expect(mode & 0o133 == 0)
    }

    @Test func anExistingFileIsReplacedWhole() async throws {
        defer { scratch.remove() }
        let path = scratch.file("kept")
        try Data(repeating: 1, count: 10_000).write(to: URL(fileURLWithPath: path))
        try await WholeFileWrite.replace(path, with: ByteBuffer(bytes: [9, 8, 7]))
        #expect(FileManager.default.contents(atPath: path) == Data([9, 8, 7]))
        try await WholeFileWrite.replace(path, with: ByteBuffer())
        #expect(FileManager.default.contents(atPath: path) == Data())
        #expect(try scratch.entries() == ["kept"])
    }

    @Test func aMissingFolderIsATypedErrorAndLeavesNothing() async throws {
        defer { scratch.remove() }
        await #expect(throws: MSSClientError.self) {
            try await WholeFileWrite.replace(scratch.file("missing/a"), with: ByteBuffer(bytes: [1]))
        }
        #expect(try scratch.entries() == [])
    }

    @Test func aFolderInTheWayIsATypedErrorAndIsLeftAlone() async throws {
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.file("d/inner"), withIntermediateDirectories: true)
        await #expect(throws: MSSClientError.self) {
            try await WholeFileWrite.replace(scratch.file("d"), with: ByteBuffer(bytes: [1]))
        }
        #expect(try scratch.entries() == ["d"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("d")) == ["inner"])
    }

    @Test func manyWritersIntoOneFolderEachLeaveTheirOwnFile() async throws {
        defer { scratch.remove() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await WholeFileWrite.replace(self.scratch.file("f\(index)"), with: ByteBuffer(string: "body \(index)"))
                }
            }
            try await group.waitForAll()
        }
        #expect(try scratch.entries().count == 200)
        for index in [0, 77, 199] {
            #expect(FileManager.default.contents(atPath: scratch.file("f\(index)")) == Data("body \(index)".utf8))
        }
    }
}
