import S3Protocol
/// How the transfer manager splits and parallelises work.
public struct TransferConfiguration: Sendable, Hashable {
    /// Files at least this large are uploaded in parts; smaller ones with one PUT.
    public var multipartThreshold: Int64
    /// The size of each part (and of each ranged GET when downloading). Grows by itself so an
    /// object never needs more than 10,000 parts; never below S3's 5 MiB minimum.
    public var partSize: Int64
    /// Parts (or files) in flight at once. Memory stays near `partSize` × `concurrency` for
    /// streams, and a small constant for files, which are read from disk as they are sent.
    public var concurrency: Int
    /// Check downloads: size always, and the MD5 when the ETag is one.
    public var verifyDownloads: Bool
    /// Files of a tree that take one request each (uploads up to `multipartThreshold`, downloads
    /// up to `partSize`, copies) in flight at once. Such a file costs a round trip and the
    /// server's commit far more than bandwidth or memory (at most 1 MiB each is held), so more of
    /// them at once keep the connections busy, and a server that commits concurrent writes
    /// together (mss-server, S3) takes more of them per second.
    public var smallFileConcurrency: Int

    public init(
        multipartThreshold: Int64 = 16 << 20, partSize: Int64 = 8 << 20, concurrency: Int = 8,
        verifyDownloads: Bool = true, smallFileConcurrency: Int = 32
    ) {
        self.multipartThreshold = max(1, multipartThreshold)
        self.partSize = max(Self.minimumPartSize, partSize)
        self.concurrency = max(1, concurrency)
        self.verifyDownloads = verifyDownloads
        self.smallFileConcurrency = max(1, smallFileConcurrency)
    }

    public static let minimumPartSize = S3Limits.minimumPartSize
    public static let maximumParts = S3Limits.maximumParts

    /// The part size for an object of `size` bytes: the configured one, grown to stay within
    /// 10,000 parts.
    public func partSize(forObjectOf size: Int64) -> Int64 {
        let needed = (size + Self.maximumParts - 1) / Self.maximumParts
        return max(partSize, needed)
    }
}

/// How far a transfer has come.
public struct TransferProgress: Sendable, Hashable {
    public var bytesTransferred: Int64
    public var totalBytes: Int64
    /// Average rate since the transfer started, in bytes per second.
    public var bytesPerSecond: Double
    public var elapsed: Duration

    public var fractionCompleted: Double {
        totalBytes == 0 ? 1 : Double(bytesTransferred) / Double(totalBytes)
    }
}

/// Receives progress reports; called from any task, often.
public typealias TransferProgressHandler = @Sendable (TransferProgress) -> Void
