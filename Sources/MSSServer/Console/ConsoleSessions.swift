import Foundation
import S3Protocol
import Synchronization

/// How the web console (`/_console/` on the S3 port) keeps sign-ins and turns away guessing.
public struct ConsoleSettings: Sendable {
    /// How long a sign-in lasts, from the moment it was made (the cookie's `Max-Age`).
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// Sessions kept at once; a new sign-in past it drops the oldest.
    public var maximumSessions = 1000
    /// Failed sign-ins one address may make within ``failureWindow``; past them its sign-ins are
    /// refused (429) without the keys being looked at, until the window has passed.
    public var failuresPerWindow = 10
    public var failureWindow: Duration = .seconds(300)
    /// How long every failed sign-in waits before it is answered.
    public var failedLoginDelay: Duration = .seconds(1)
    /// The server is `mss`'s embedded one, which `mss` uses with nothing configured: the
    /// playground's command lines then need no `--endpoint`.
    public var isEmbeddedServer = false

    public init() {}
}

/// A signed-in browser: who it acts for and the token its state-changing requests must carry.
struct ConsoleSession: Sendable {
    let user: ServerUser
    /// Sent back by the page in the `X-MSS-Console-CSRF` header of every POST.
    let csrfToken: String
    let created: ContinuousClock.Instant
    let expires: ContinuousClock.Instant
}

/// The console's sessions, in memory only (a restart signs everyone out), bounded in number.
/// The cookie carries a random 256-bit id; the table is keyed by its SHA-256, so neither a memory
/// dump of the keys nor the timing of a dictionary lookup gives a usable id away.
final class ConsoleSessions: Sendable {
    private let settings: ConsoleSettings
    private let table = Mutex<[String: ConsoleSession]>([:])

    init(settings: ConsoleSettings) {
        self.settings = settings
    }

    /// A new session for `user`: the cookie value and the session.
    func create(for user: ServerUser, now: ContinuousClock.Instant = .now) -> (id: String, session: ConsoleSession) {
        let id = Self.randomToken()
        let session = ConsoleSession(
            user: user, csrfToken: Self.randomToken(), created: now, expires: now.advanced(by: settings.sessionLifetime))
        let limit = max(1, settings.maximumSessions)
        table.withLock { table in
            table = table.filter { $0.value.expires > now }
            while table.count >= limit, let oldest = table.min(by: { $0.value.created < $1.value.created }) {
                table[oldest.key] = nil
            }
            table[Self.digest(id)] = session
        }
        return (id, session)
    }

    /// The live session the cookie value names; nil when unknown, malformed or expired.
    func session(for id: String, now: ContinuousClock.Instant = .now) -> ConsoleSession? {
        guard Self.isWellFormed(id) else { return nil }
        let key = Self.digest(id)
        return table.withLock { table in
            guard let session = table[key] else { return nil }
            if session.expires <= now {
                table[key] = nil
                return nil
            }
            return session
        }
    }

    func remove(id: String) {
        guard Self.isWellFormed(id) else { return }
        let key = Self.digest(id)
        _ = table.withLock { $0.removeValue(forKey: key) }
    }

    var count: Int { table.withLock { $0.count } }

    /// 32 bytes from the system's cryptographic generator, base64url without padding (43 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43
            && token.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
    }

    private static func digest(_ id: String) -> String { Digests.sha256Hex(Array(id.utf8)) }
}

/// Counts sign-in attempts per client address, so the login form is no fast oracle for keys:
/// every failure is answered late, and an address past its allowance is refused without a look
/// at what it sent. An attempt counts as a failure from the moment it is admitted (a success
/// then clears the count), so a burst of parallel guesses cannot all slip in before the first
/// one fails. The table is bounded; when full, new addresses share one bucket.
final class ConsoleLoginLimiter: Sendable {
    private struct Record {
        var failures: Int
        var windowStart: ContinuousClock.Instant
    }

    private static let maximumAddresses = 4096
    private static let sharedBucket = "*"

    private let settings: ConsoleSettings
    private let table = Mutex<[String: Record]>([:])

    init(settings: ConsoleSettings) {
        self.settings = settings
    }

    /// Lets one attempt from `address` through, counted as a failure until it succeeds; or, past
    /// the allowance, how long the address must still wait.
    func admit(_ address: String, now: ContinuousClock.Instant = .now) -> Duration? {
        table.withLock { table in
            if table[address] == nil, table.count >= Self.maximumAddresses {
                table = table.filter { $0.value.windowStart.advanced(by: settings.failureWindow) > now }
            }
            let key = table[address] == nil && table.count >= Self.maximumAddresses ? Self.sharedBucket : address
            var record = table[key] ?? Record(failures: 0, windowStart: now)
            let end = record.windowStart.advanced(by: settings.failureWindow)
            if end <= now {
                record = Record(failures: 0, windowStart: now)
            } else if record.failures >= settings.failuresPerWindow {
                return now.duration(to: end)
            }
            record.failures += 1
            table[key] = record
            return nil
        }
    }

    /// A sign-in from `address` worked: its failures are forgotten.
    func recordSuccess(_ address: String) {
        _ = table.withLock { $0.removeValue(forKey: address) }
    }
}
