import Foundation
import MSS

/// The extra users mss-server was started with (`--users`), for tests where two users meet.
///
/// The test script passes them in `MSS_TEST_MSS_USERS` as space-separated
/// `accessKey|secretKey` pairs; they belong to the server named `mss` in `MSS_TEST_SERVERS`.
/// Without `MSS_TEST_SERVERS`, they are the in-process server's (``InProcessServer/users``).
struct TestUser: Sendable {
    var accessKey: String
    var secretKey: String

    static let mss: [TestUser] =
        InProcessServer.isDefault ? InProcessServer.users : parse(ProcessInfo.processInfo.environment["MSS_TEST_MSS_USERS"] ?? "")

    static func parse(_ text: String) -> [TestUser] {
        text.split(separator: " ").compactMap { entry in
            let parts = entry.split(separator: "|", maxSplits: 1).map(String.init)
            return parts.count == 2 ? TestUser(accessKey: parts[0], secretKey: parts[1]) : nil
        }
    }
}

extension TestTarget {
    /// A connection to this target's server as `user`, with this target's signature version.
    func connection(as user: TestUser) throws -> S3Connection {
        try S3Connection(
            accessKey: user.accessKey, secretKey: user.secretKey, host: host, port: port, signatureVersion: signatureVersion)
    }
}
