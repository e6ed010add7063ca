import S3Protocol
/// How requests are signed. MSS's default is V2; S3, Ceph RGW, MinIO and most modern services
/// want V4 with a region.
public enum SignatureVersion: Sendable, Hashable {
    /// HMAC-SHA1 `Authorization: AWS key:signature`, MSS's default.
    case v2
    /// AWS4-HMAC-SHA256 for `region`.
    case v4(region: String)
}

/// Where the bucket name goes in a URL.
public enum AddressingStyle: Sendable, Hashable {
    /// `http://host/bucket/key`, MSS's default and the one that works with any host name.
    case path
    /// `http://bucket.host/key`.
    case virtualHost
}

/// Connection and idle timeouts. There is deliberately no whole-request deadline: a 5 GiB
/// transfer on a slow link is not an error as long as bytes keep flowing.
public struct Timeouts: Sendable, Hashable {
    /// Time allowed to establish a connection.
    public var connect: Duration
    /// Longest silence while reading a response before the request fails.
    public var idleRead: Duration

    public init(connect: Duration = .seconds(10), idleRead: Duration = .seconds(60)) {
        self.connect = connect
        self.idleRead = idleRead
    }
}

/// When and how often failed requests are sent again.
///
/// Only requests whose body can be replayed are retried, and only after connection errors, 500,
/// 503 (SlowDown), 429, or S3's `RequestTimeout`/`InternalError`; anything else is the caller's to
/// decide. Delays grow exponentially with full jitter, and a `Retry-After` header wins.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    /// Delays are kept within 0...1 hour, so the backoff arithmetic stays in range.
    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxDelay = min(max(.zero, maxDelay), Self.longestDelay)
        self.baseDelay = min(max(.zero, baseDelay), self.maxDelay)
    }

    static let longestDelay = Duration.seconds(3600)

    public static let none = RetryPolicy(maxAttempts: 1)

    /// The delay before attempt `attempt + 1` (`attempt` counts from 1).
    func delay(afterAttempt attempt: Int, retryAfter: Duration?) -> Duration {
        // The fields are public and may have been set past the initialiser's bounds.
        let maxDelay = min(max(.zero, self.maxDelay), Self.longestDelay)
        let baseDelay = min(max(.zero, self.baseDelay), maxDelay)
        if let retryAfter { return min(max(.zero, retryAfter), maxDelay) }
        let exponent = attempt <= 1 ? 0 : min(attempt - 1, 20)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(0, nanos)))
    }

    static func isRetryable(status: Int, code: String?) -> Bool {
        switch status {
        case 429, 500, 502, 503, 504: return true
        default: return code.map { [S3ErrorCode.requestTimeout, S3ErrorCode.slowDown, S3ErrorCode.internalError].contains(S3ErrorCode(rawValue: $0)) } ?? false
        }
    }
}
