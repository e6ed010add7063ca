import Foundation
import S3Protocol
import Synchronization

/// The `Date` header of every answer, formatted once a second rather than once a request.
enum ResponseDate {
    private static let cache = Mutex<(second: Int64, text: String)>((-1, ""))

    /// Now, as an RFC 1123 date.
    static var now: String {
        let now = Date()
        let interval = now.timeIntervalSince1970
        // A clock outside Int64's seconds is formatted as is (HTTPDate clamps it), never cached.
        guard interval.isFinite, abs(interval) < 1e15 else { return HTTPDate.rfc1123(now) }
        let second = Int64(interval.rounded(.down))
        return cache.withLock { cached in
            if cached.second != second { cached = (second, HTTPDate.rfc1123(Date(timeIntervalSince1970: TimeInterval(second)))) }
            return cached.text
        }
    }
}
