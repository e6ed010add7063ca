import Foundation

/// The first bytes of a file and its size, for sniffing before anything decodes it.
enum FileHead {
    static func read(path: String, count: Int) throws -> (bytes: [UInt8], size: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        let bytes = try handle.read(upToCount: count).map { [UInt8]($0) } ?? []
        return (bytes, size)
    }
}
