import NIOCore

/// The bytes of a new version (or multipart part) on their way into the store, and the file
/// they become.
struct IncomingData: Sendable {
    enum Source: Sendable {
        /// A file the body was received into, renamed into place.
        case file(String)
        /// A small body held in memory, written on the store's own thread: no hop to a
        /// file-system thread per open, write and close. Under the write-ahead log it is written
        /// straight to its place; without one, to `staging` in `.mss/tmp`, flushed, and renamed.
        case memory(ByteBuffer, staging: String)
    }

    var source: Source
    var destination: String

    /// The temporary file, whether received or staged, for removing it after a failure.
    var temporaryFile: String {
        switch source {
        case .file(let path), .memory(_, let path): path
        }
    }
}

extension IncomingData {
    /// The bytes are held in memory, not in a received file.
    var isInMemory: Bool {
        if case .memory = source { return true }
        return false
    }
}
