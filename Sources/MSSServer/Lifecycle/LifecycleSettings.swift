public import Foundation

/// How the server enforces bucket lifecycle rules: how often it scans and how long a lifecycle
/// "day" lasts. Real days (the default) make due times fall on the next midnight UTC, as in
/// S3; a shorter day (`mss-server --lifecycle-day-length`, the idea of Ceph RGW's
/// `rgw_lc_debug_interval`) is for tests and demos, and is not rounded.
public struct LifecycleSettings: Sendable {
    /// Time between the starts of two scans; the first runs as the server starts.
    public var interval: Duration = .seconds(3600)
    /// Seconds in one lifecycle day; nil means real days, rounded to midnight UTC.
    public var dayLength: Duration? = nil
    /// The clock rules are judged by; tests pass their own.
    public var clock: @Sendable () -> Date = { Date() }

    public init(interval: Duration = .seconds(3600), dayLength: Duration? = nil) {
        self.interval = interval
        self.dayLength = dayLength
    }
}
