/// A file operation of the store that failed on ``StoreIO``'s threads, described there: the
/// description names the operation, the path and the system's reason.
struct StoreWriteFailure: Error, CustomStringConvertible {
    var description: String
}
