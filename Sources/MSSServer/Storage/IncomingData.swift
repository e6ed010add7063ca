import NIOCore

/// The bytes of a new version (or multipart part) on their way into the store, and the file
/// they become.
struct IncomingData: Sendable {
    enum Source: Sendable {
        /// A file the body was received into, renamed into place.
        case file(String)
        /// A small body held in memory, written to `staging` on the store's own thread and renamed
        /// into place from there: no hop to a file-system thread per open, write and close.
        /// Written in `.mss/tmp` rather than straight into its shard folder, as every new file
        /// is: files made in one folder get neighbouring inodes, so a flush writes a few inode
        /// table blocks for many writes. Made in 256 shard folders, they spread over the disk's
        /// block groups, and 4 KiB PUTs ran 15% slower.
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
