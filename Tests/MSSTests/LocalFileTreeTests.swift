import Foundation
import Testing

@testable import MSS

/// The walk behind directory uploads: every regular file once, in order, with its size and time;
/// links (a loop among them), pipes and names no key can hold are listed as left out, never
/// followed or sent.
@Suite("Local file trees")
struct LocalFileTreeTests {
    let scratch = ScratchFolder("local-tree")

    private func write(_ relative: String, _ bytes: Int) throws {
        let path = scratch.file(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x61, count: bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func filesAreListedAndWhatIsNotSentIsNamed() throws {
        defer { scratch.remove() }
        try write("a", 3)
        try write(".hidden", 1)
        try write("sub/b", 0)
        try write("sub/deeper/c", 4097)
        try FileManager.default.createDirectory(atPath: scratch.file("empty"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("link"), withDestinationPath: scratch.file("a"))
        try FileManager.default.createSymbolicLink(atPath: scratch.file("sub/loop"), withDestinationPath: "..")
        #expect(mkfifo(scratch.file("sub/pipe"), 0o600) == 0)
        #if os(Linux)
        // A name of bytes that are not UTF-8, which no key can hold (APFS refuses such names).
        let badName = Array(scratch.file("bad").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF), 0]
        let descriptor = open(badName, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        #expect(descriptor >= 0)
        close(descriptor)
        #endif

        let tree = try LocalFileTree(walking: scratch.path)
        #expect(tree.files.map(\.relativePath) == [".hidden", "a", "sub/b", "sub/deeper/c"])
        #expect(tree.files.map(\.size) == [1, 3, 0, 4097])
        for file in tree.files {
            #expect(file.path == tree.root + "/" + file.relativePath)
            let foundation = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
            #expect(abs(file.modified.timeIntervalSince(try #require(foundation))) < 0.001)
        }
        #expect(tree.skipped.allSatisfy { $0.path == tree.root + "/" + $0.relativePath })
        let skipped = Dictionary(uniqueKeysWithValues: tree.skipped.map { ($0.relativePath, $0.reason) })
        #expect(tree.skipped.map(\.relativePath) == tree.skipped.map(\.relativePath).sorted())
        #expect(skipped["link"] == .symbolicLink)
        #expect(skipped["sub/loop"] == .symbolicLink)
        #expect(skipped["sub/pipe"] == .notARegularFile)
        #if os(Linux)
        #expect(skipped.count == 4)
        #expect(skipped["bad\u{FFFD}"] == .nameNotUTF8)
        #else
        #expect(skipped.count == 3)
        #endif
        #expect(tree.skipped.contains { $0.description.hasSuffix("/link: a symbolic link (not followed)") })
    }

    @Test func aFolderNamedThroughALinkIsWalked() throws {
        defer { scratch.remove() }
        try write("real/f", 5)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("alias"), withDestinationPath: scratch.file("real"))
        let tree = try LocalFileTree(walking: scratch.file("alias"))
        #expect(tree.files.map(\.path) == [scratch.file("alias") + "/f"])
        #expect(tree.skipped.isEmpty)
    }

    /// (A relative root is not tried here: the tests of this process share one working folder.)
    @Test func aTrailingSlashOrADotStepNamesTheSameFiles() throws {
        defer { scratch.remove() }
        try write("t/x/y", 2)
        let plain = try LocalFileTree(walking: scratch.file("t"))
        #expect(plain.files.map(\.relativePath) == ["x/y"])
        #expect(plain.files.map(\.path) == [scratch.file("t/x/y")])
        for spelling in [scratch.file("t") + "/", scratch.file("t/./"), scratch.file("t/x/..")] {
            #expect(try LocalFileTree(walking: spelling).files == plain.files, "\(spelling)")
        }
    }

    /// 1,800 levels, near the 4,096-byte path limit, walked inside a task.
    @Test func aVeryDeepTreeIsWalked() async throws {
        defer { scratch.remove() }
        let depth = 1_800
        let relative = Array(repeating: "d", count: depth).joined(separator: "/") + "/f"
        try write(relative, 1)
        let files = try await Task { try LocalFileTree(walking: scratch.path).files }.value
        #expect(files.map(\.relativePath) == [relative])
    }

    @Test func aMissingFolderOrAFileIsATypedError() throws {
        defer { scratch.remove() }
        try write("file", 1)
        for name in ["missing", "file"] {
            #expect(throws: MSSClientError.self, "\(name)") { try LocalFileTree(walking: scratch.file(name)) }
        }
    }

    /// Random trees (names with spaces, `%`, `#`, Unicode; folders down to five deep): the same
    /// files, sizes and relative paths as Foundation's enumerator, which this walk replaced.
    @Test func randomTreesMatchFoundationsWalk() throws {
        defer { scratch.remove() }
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "b c", "%41", "#x", "é", "日本", "z.txt", ".dot", "--"]
        for round in 0..<20 {
            let top = "round\(round)"
            for _ in 0..<Int.random(in: 1...40, using: &generator) {
                let depth = Int.random(in: 1...5, using: &generator)
                let parts = (0..<depth).map { _ in pieces.randomElement(using: &generator)! + String(Int.random(in: 0...3, using: &generator)) }
                let relative = top + "/" + parts.joined(separator: "/")
                var isFolder: ObjCBool = false
                // A name already taken by a folder (or a file on the way) is passed over.
                if FileManager.default.fileExists(atPath: scratch.file(relative), isDirectory: &isFolder) { continue }
                try? write(relative, Int.random(in: 0...300, using: &generator))
            }
            let root = scratch.file(top)
            let tree = try LocalFileTree(walking: root)
            var expected: [String: Int64] = [:]
            let walker = try #require(FileManager.default.enumerator(atPath: root))
            while let relative = walker.nextObject() as? String {
                let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + relative)
                if attributes[.type] as? FileAttributeType == .typeRegular {
                    expected[relative] = (attributes[.size] as? NSNumber)?.int64Value
                }
            }
            #expect(tree.files.map(\.relativePath) == expected.keys.sorted(), "round \(round)")
            #expect(tree.files.allSatisfy { expected[$0.relativePath] == $0.size }, "round \(round)")
            #expect(tree.skipped.isEmpty)
        }
    }
}
