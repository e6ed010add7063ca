import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import S3Protocol
import Testing

@testable import MSSServer

/// The web console's parts that need no browser: the Host it trusts, sessions, the sign-in
/// limiter, the quoting of the lines it shows, and, in process, that a URL the console presigns
/// is one the S3 handler accepts. The browser tests are Tests/peers/test_console.py.
@Suite struct ConsoleTests {
    static let credentials = Credentials(accessKey: "CONSOLETESTKEY01", secretKey: "console-test-secret-0001")

    @Test(arguments: [
        ("127.0.0.1:9000", "127.0.0.1", 9000), ("localhost", "localhost", nil), ("[::1]:9000", "[::1]", 9000),
        ("Example.COM:80", "example.com", 80), ("my-host.local", "my-host.local", nil),
    ] as [(String, String, Int?)])
    func hostsThatAreAccepted(_ authority: String, _ name: String, _ port: Int?) throws {
        let host = try #require(ConsoleHost(authority))
        #expect(host.name == name && host.port == port)
        #expect(host.authority(port: 9001) == "\(name):9001")
    }

    @Test(arguments: [
        "", "a b", "host:0", "host:99999", "host:", "[::1", "[::1]x", "[]:80", "evil.com/x", "a:b:c", "h\r\nx", "host:+80",
        "host:٣", "é.example", "user@host", String(repeating: "a", count: 300),
    ])
    func hostsThatAreRefused(_ authority: String) {
        #expect(ConsoleHost(authority) == nil)
    }

    @Test func sessionsExpireAndAreBounded() throws {
        var settings = ConsoleSettings()
        settings.maximumSessions = 3
        settings.sessionLifetime = .seconds(60)
        let sessions = ConsoleSessions(settings: settings)
        let user = ServerUser(credentials: Self.credentials)
        let start = ContinuousClock.now
        let ids = (0..<4).map { sessions.create(for: user, now: start.advanced(by: .seconds($0))).id }
        #expect(sessions.count == 3)
        #expect(sessions.session(for: ids[0], now: start.advanced(by: .seconds(5))) == nil, "the oldest went first")
        let live = try #require(sessions.session(for: ids[3], now: start.advanced(by: .seconds(5))))
        #expect(live.user == user && live.csrfToken.count == 43)
        #expect(sessions.session(for: ids[3], now: start.advanced(by: .seconds(64))) == nil, "expired")
        sessions.remove(id: ids[2])
        #expect(sessions.session(for: ids[2], now: start.advanced(by: .seconds(5))) == nil)
        for forged in ["", "x", String(repeating: "A", count: 43), ids[1] + "A", String(ids[1].dropLast()) + "!"] {
            #expect(sessions.session(for: forged, now: start) == nil)
        }
    }

    @Test func tokensAreRandomAndURLSafe() {
        let tokens = Set((0..<200).map { _ in ConsoleSessions.randomToken() })
        #expect(tokens.count == 200)
        #expect(tokens.allSatisfy(ConsoleSessions.isWellFormed))
    }

    @Test func failedSignInsAreLimitedPerAddress() {
        var settings = ConsoleSettings()
        settings.failuresPerWindow = 3
        settings.failureWindow = .seconds(60)
        let limiter = ConsoleLoginLimiter(settings: settings)
        let start = ContinuousClock.now
        // Admitted attempts count until they succeed: three in parallel, then no fourth.
        for _ in 0..<3 { #expect(limiter.admit("10.0.0.1", now: start) == nil) }
        #expect(limiter.admit("10.0.0.1", now: start.advanced(by: .seconds(1))) == .seconds(59))
        #expect(limiter.admit("10.0.0.2", now: start) == nil, "other addresses are not affected")
        #expect(limiter.admit("10.0.0.1", now: start.advanced(by: .seconds(61))) == nil, "the window passed")
        for _ in 0..<3 { _ = limiter.admit("10.0.0.3", now: start) }
        limiter.recordSuccess("10.0.0.3")
        #expect(limiter.admit("10.0.0.3", now: start) == nil)
    }

    @Test func linesShownAreQuoted() {
        #expect(Console.shellQuoted("30r") == "30r")
        #expect(Console.shellQuoted("100w_100h_1e_1c|30r") == "'100w_100h_1e_1c|30r'")
        #expect(Console.shellQuoted("it's") == #"'it'\''s'"#)
        #expect(Console.shellQuoted("$(rm -rf ~)") == "'$(rm -rf ~)'")
        #expect(Console.swiftLiteral(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(Console.swiftLiteral("x\ny\u{1}") == #""x\ny\u{1}""#)
        #expect(HTMLText.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test func formsAreDecoded() {
        #expect(ConsoleHTTP.form("access_key=A%2BB&secret_key=a+b%26c")! == ["access_key": "A+B", "secret_key": "a b&c"])
        #expect(ConsoleHTTP.form("a=%ZZ") == nil)
        #expect(ConsoleHTTP.form("") == [:])
    }

    // MARK: In process, through the S3 handler

    func withConsole(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "mss-server.console-tests")
        logger.logLevel = .warning
        let store = try await ObjectStore(path: directory, logger: logger)
        var handler = S3Handler(store: store, authenticator: Authenticator(keys: AccessKeys([Self.credentials])), logger: logger)
        var settings = ConsoleSettings()
        settings.failedLoginDelay = .zero
        handler.console = Console(settings: settings, users: [ServerUser(credentials: Self.credentials)], imagePort: nil, logger: logger)
        try await Application(responder: handler, logger: logger).test(.router, body)
    }

    /// The router test framework's authority.
    static let origin = "http://localhost"

    static func signIn(_ client: any TestClientProtocol, secret: String = credentials.secretKey) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.origin] = origin
        let form = "access_key=\(credentials.accessKey)&secret_key=\(secret)"
        return try await client.execute(uri: "/_console/login", method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    @Test func aPresignedURLFromTheConsoleIsOneTheS3HandlerAccepts() async throws {
        try await withConsole { client in
            let refused = try await Self.signIn(client, secret: "wrong-secret-key")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.setCookie] == nil)

            let signedIn = try await Self.signIn(client)
            #expect(signedIn.status == .seeOther)
            let cookie = try #require(signedIn.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            var headers = HTTPFields()
            headers[.cookie] = cookie
            let page = try await client.execute(uri: "/_console/", method: .get, headers: headers)
            let html = String(buffer: page.body)
            let token = try #require(html.firstRange(of: #/data-csrf="([^"]+)"/#).map { String(html[$0].dropFirst(11).dropLast()) })

            headers[.origin] = Self.origin
            headers[ConsoleHTTP.csrfHeader] = token
            headers[.contentType] = "application/json"
            let made = try await client.execute(
                uri: "/_console/api/presign", method: .post, headers: headers, body: ByteBuffer(string: #"{"method":"PUT","bucket":"made-by-console"}"#))
            #expect(made.status == .ok)
            struct Answer: Decodable { var url: String }
            let url = try JSONDecoder().decode(Answer.self, from: Data(made.body.readableBytesView)).url
            #expect(url.hasPrefix("http://localhost/made-by-console/?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
            // The S3 handler verifies it like any presigned URL: the bucket is made.
            let path = String(url.dropFirst(Self.origin.count))
            let created = try await client.execute(uri: path, method: .put)
            #expect(created.status == .ok)
            let tampered = try await client.execute(uri: path.replacingOccurrences(of: "made-by-console", with: "made-by-consolf"), method: .put)
            #expect(tampered.status == .forbidden)

            // Without the token, or from elsewhere: refused.
            headers[ConsoleHTTP.csrfHeader] = nil
            let noToken = try await client.execute(uri: "/_console/api/presign", method: .post, headers: headers, body: ByteBuffer(string: #"{"method":"GET"}"#))
            #expect(noToken.status == .forbidden)
            headers[ConsoleHTTP.csrfHeader] = token
            headers[.origin] = "http://evil.example"
            let foreign = try await client.execute(uri: "/_console/api/presign", method: .post, headers: headers, body: ByteBuffer(string: #"{"method":"GET"}"#))
            #expect(foreign.status == .forbidden)
        }
    }

    @Test func consolePathsAreNotS3() async throws {
        try await withConsole { client in
            let page = try await client.execute(uri: "/_console/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[HTTPField.Name("x-amz-request-id")!] == nil)
            #expect(page.headers[ConsoleHTTP.frameOptions] == "DENY")
            let missing = try await client.execute(uri: "/_console/../etc/passwd", method: .get)
            #expect(missing.status == .notFound)
            // Not the console's: S3 answers (an anonymous ListBuckets is refused).
            let s3 = try await client.execute(uri: "/", method: .get)
            #expect(s3.headers[.contentType] == "application/xml")
        }
    }
}
