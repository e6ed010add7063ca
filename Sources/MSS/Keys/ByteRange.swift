/// A range of bytes to read, as S3's `Range` header allows.
public enum ByteRange: Sendable, Hashable {
    /// Bytes `lowerBound` through `upperBound`, both included.
    case bounded(ClosedRange<Int64>)
    /// From `offset` to the end.
    case from(Int64)
    /// The last `count` bytes.
    case suffix(Int64)

    var headerValue: String {
        switch self {
        case .bounded(let range): "bytes=\(range.lowerBound)-\(range.upperBound)"
        case .from(let offset): "bytes=\(offset)-"
        case .suffix(let count): "bytes=-\(count)"
        }
    }
}
