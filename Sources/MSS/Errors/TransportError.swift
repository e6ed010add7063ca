/// The request did not get an HTTP answer: the connection failed, timed out or broke.
/// Kept apart from ``S3Error`` because nothing is known about what the server did.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The error of the HTTP stack.
    public var underlying: any Error
    /// How many times the request was sent in all.
    public var attempts: Int

    public init(underlying: any Error, attempts: Int) {
        self.underlying = underlying
        self.attempts = attempts
    }

    public var description: String {
        "transport error after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)"
    }
}
