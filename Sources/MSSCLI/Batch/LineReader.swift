import Foundation

/// The lines of a file, read a block at a time so a file of millions of lines is never held whole.
/// A line longer than `maximumLength` bytes is an error, not an unbounded buffer.
struct LineReader {
    static let maximumLength = 1 << 20

    private let file: FileHandle
    private var buffer = Data()
    /// Where the unread part of `buffer` starts.
    private var start = 0
    private var finished = false

    init(_ file: FileHandle) {
        self.file = file
    }

    enum Failure: Error {
        case tooLong
        case notText
        case unreadable
    }

    /// The next line without its `\n` (and `\r`), or nil at the end.
    mutating func next() throws(Failure) -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[start..<newline]
                start = newline + 1
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                return try text(line)
            }
            if finished {
                guard start < buffer.endIndex else { return nil }
                defer { start = buffer.endIndex }
                return try text(buffer[start...])
            }
            // Only the unread tail is kept when the next block comes in.
            buffer = Data(buffer[start...])
            start = buffer.startIndex
            guard buffer.count <= Self.maximumLength else { throw .tooLong }
            // The throwing read: the old readData(ofLength:) traps on an I/O error.
            let block: Data
            do {
                block = try file.read(upToCount: 1 << 16) ?? Data()
            } catch {
                throw .unreadable
            }
            if block.isEmpty { finished = true } else { buffer.append(block) }
        }
    }

    private func text(_ bytes: Data) throws(Failure) -> String {
        guard bytes.count <= Self.maximumLength else { throw .tooLong }
        guard let line = String(data: bytes, encoding: .utf8) else { throw .notText }
        return line
    }
}
