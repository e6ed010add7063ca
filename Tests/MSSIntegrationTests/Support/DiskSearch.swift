import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Looks for pieces of known bytes in a server's files, to prove what never reached its disk.
enum DiskSearch {
    /// The files under `directory` changed since `date` that hold any of eight 32-byte slices,
    /// spread over each text. Only recent files are read, so a shared server's data directory
    /// full of other tests' objects costs little; files the server removed meanwhile are gone
    /// either way.
    static func filesHolding(slicesOf texts: [Data], under directory: String, changedSince date: Date) throws -> [String] {
        var slices: [Data] = []
        for text in texts where text.count > 32 {
            let step = max(1, (text.count - 32) / 7)
            slices += stride(from: 0, to: text.count - 32, by: step).prefix(8).map { text[$0..<($0 + 32)] }
        }
        let root = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .contentModificationDateKey], options: [])
        else { throw CocoaError(.fileReadUnknown) }
        var found: [String] = []
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .contentModificationDateKey]),
                values.isRegularFile == true, (values.contentModificationDate ?? .distantFuture) >= date,
                let content = try? Data(contentsOf: url)
            else { continue }
            if slices.contains(where: { contains(content, $0) }) { found.append(url.path) }
        }
        return found
    }

    /// `memchr` for the first byte, then `memcmp`: Foundation's `range(of:)` is far slower on
    /// files of megabytes, and `memmem` is not in the Glibc module.
    private static func contains(_ haystack: Data, _ needle: Data) -> Bool {
        haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { piece in
                guard let hayBase = hay.baseAddress, let pieceBase = piece.baseAddress, piece.count > 0, hay.count >= piece.count
                else { return false }
                let first = Int32(piece[0])
                var offset = 0
                let last = hay.count - piece.count
                while offset <= last {
                    guard let hit = memchr(hayBase + offset, first, last - offset + 1) else { return false }
                    let position = hayBase.distance(to: UnsafeRawPointer(hit))
                    if memcmp(hayBase + position, pieceBase, piece.count) == 0 { return true }
                    offset = position + 1
                }
                return false
            }
        }
    }
}
