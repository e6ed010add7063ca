import NIOFileSystem

extension OpenOptions.Write {
    /// A file the store creates at a path of its own making (in `.mss/tmp`): created exclusively
    /// (`O_EXCL`), private to the server's user, and opened directly. NIO's transactional
    /// creation would add nothing, since the store publishes the file itself by an fsynced
    /// rename, and it costs a path parse per open that dominated small uploads.
    static let freshPrivateFile = OpenOptions.Write(
        existingFile: .none, newFile: OpenOptions.NewFile(permissions: .ownerReadWrite, transactionalCreation: false),
        closeOnExec: true)
}
