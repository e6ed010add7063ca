import Foundation
import Testing

@testable import MSS

/// Where a listed key lands below a download folder, and the folder each file needs, joined as
/// strings rather than through `URL` (which stats the disk): the key's own characters stay as
/// they are, and nothing lands outside the folder.
@Suite("Download paths")
struct DownloadPathTests {
    @Test func keysLandBelowTheFolderWithTheirCharactersKept() {
        let cases: [(key: String, prefix: String, directory: String, path: String?)] = [
            ("photos/a.jpg", "photos/", "/tmp/out", "/tmp/out/a.jpg"),
            ("photos/a.jpg", "photos/", "/tmp/out/", "/tmp/out/a.jpg"),
            ("photos/a.jpg", "photos/", "/tmp/./x/../out", "/tmp/out/a.jpg"),
            ("photos/sub//b 1%2F?#;.txt", "photos/", "/tmp/out", "/tmp/out/sub/b 1%2F?#;.txt"),
            ("日本/é", "", "/tmp/out", "/tmp/out/日本/é"),
            ("a", "", "/", "/a"),
            ("photos/../etc/passwd", "photos/", "/tmp/out", nil),
            ("photos/./a", "photos/", "/tmp/out", nil),
            ("photos/dir/", "photos/", "/tmp/out", nil),
            ("photos/", "photos/", "/tmp/out", nil),
            ("other/a", "photos/", "/tmp/out", nil),
        ]
        for item in cases {
            #expect(TransferManager.localPath(forKey: item.key, prefix: item.prefix, in: item.directory) == item.path, "\(item.key)")
        }
        let relative = TransferManager.localPath(forKey: "k/v", prefix: "", in: "out")
        #expect(relative == FileManager.default.currentDirectoryPath + "/out/k/v")
    }

    @Test func eachFileNamesItsFolder() {
        #expect(TransferManager.folder(of: "/tmp/out/a.jpg") == "/tmp/out")
        #expect(TransferManager.folder(of: "/a") == "/")
        #expect(TransferManager.folder(of: "a") == ".")
        #expect(TransferManager.folder(of: "d/e/f") == "d/e")
    }
}
