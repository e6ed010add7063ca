import Foundation

/// A folder of its own under the temporary directory, for a test that makes files.
struct ScratchFolder {
    let path: String

    /// Made at once; a folder that cannot be made fails the test at its first file.
    init(_ name: String) {
        path = NSTemporaryDirectory() + name + "-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String {
        path + "/" + name
    }

    /// The names in the folder, sorted.
    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
