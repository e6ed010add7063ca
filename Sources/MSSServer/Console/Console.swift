import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import S3Protocol
import Synchronization

/// The web console: pages at `/_console/` on the S3 port (bucket names cannot start with `_`, so
/// no S3 request is taken). It signs people in with the server's own keys and hands the page
/// short-lived presigned URLs, signed with that user's key, for the S3 API and the image service;
/// the page then talks S3 itself, so every permission is still the S3 server's to decide.
///
/// | path | method | what |
/// |---|---|---|
/// | `/_console/` | GET | the console when signed in, else the login form (no data) |
/// | `/_console/console.css`, `console.js` | GET | the assets, compiled into the binary |
/// | `/_console/login` | POST | form sign-in: same-origin, keys checked in constant time |
/// | `/_console/logout` | POST | CSRF token |
/// | `/_console/api/session` | GET | who is signed in |
/// | `/_console/api/presign` | POST | CSRF token: a presigned URL for one S3 request |
/// | `/_console/api/image` | POST | CSRF token: a process string checked, its URL, CLI and SDK lines |
final class Console: Sendable {
    static let root = "/_console"

    let settings: ConsoleSettings
    let logger: Logger
    let sessions: ConsoleSessions
    let limiter: ConsoleLoginLimiter
    /// Users with the SHA-256 of their keys, compared in constant time at sign-in.
    private let users: [(user: ServerUser, accessDigest: String, secretDigest: String)]
    /// Whether an image service runs, and its port once bound.
    let servesImages: Bool
    private let boundImagePort = Mutex<Int?>(nil)

    init(settings: ConsoleSettings, users: [ServerUser], imagePort: Int?, logger: Logger) {
        self.settings = settings
        self.logger = logger
        sessions = ConsoleSessions(settings: settings)
        limiter = ConsoleLoginLimiter(settings: settings)
        self.users = users.map { ($0, Self.digest($0.accessKey), Self.digest($0.credentials.secretKey)) }
        servesImages = imagePort != nil
        if let imagePort, imagePort != 0 { boundImagePort.withLock { $0 = imagePort } }
    }

    /// The image service's port, reported once it listens (it may have been chosen by the system).
    func imageServiceListening(on port: Int) {
        boundImagePort.withLock { $0 = port }
    }

    var imagePort: Int? { servesImages ? boundImagePort.withLock { $0 } : nil }

    /// The image service's origin for a page reached at `host`.
    func imageOrigin(_ host: ConsoleHost?) -> String? {
        guard let host, let imagePort else { return nil }
        return "http://" + host.authority(port: imagePort)
    }

    // MARK: Routing

    /// The console's answer, or nil when the request is not the console's: a path outside
    /// `/_console`, or a virtual-hosted bucket's key that happens to start with it.
    func respond(to request: Request, context: S3RequestContext, domains: [String]) async -> Response? {
        let path = request.uri.path
        guard path == Self.root || path.hasPrefix(Self.root + "/") else { return nil }
        if ServerRequest.virtualHostBucket(request.head.authority, domains: domains) != nil { return nil }
        let host = ConsoleHost(request.head.authority)
        var response: Response
        do {
            response = try await route(path, request: request, context: context, host: host)
        } catch let failure as ConsoleFailure {
            response = answer(failure)
        } catch {
            logger.error("console request failed", metadata: ["path": "\(path)", "error": "\(error)"])
            response = ConsoleHTTP.text("Internal error", status: .internalServerError)
        }
        if request.method == .head { response.body = ResponseBody() }
        ConsoleHTTP.secure(&response, imageOrigin: imageOrigin(host))
        return response
    }

    private func answer(_ failure: ConsoleFailure) -> Response {
        var response: Response
        switch failure.form {
        case .page: response = ConsoleHTTP.html(ConsolePages.login(message: failure.message), status: failure.status)
        case .json: response = ConsoleHTTP.json(["error": failure.message], status: failure.status)
        case .text: response = ConsoleHTTP.text(failure.message, status: failure.status)
        }
        if let retryAfter = failure.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    private func route(_ path: String, request: Request, context: S3RequestContext, host: ConsoleHost?) async throws -> Response {
        let method = request.method
        let reads = method == .get || method == .head
        func only(_ allowed: Bool, _ allow: String) throws {
            guard allowed else { throw ConsoleFailure(status: .methodNotAllowed, message: "Method not allowed; use \(allow).", form: .text) }
        }
        switch path {
        case Self.root:
            return ConsoleHTTP.redirect(Self.root + "/", status: .permanentRedirect)
        case Self.root + "/":
            try only(reads, "GET")
            guard let host else { throw ConsoleFailure(status: .badRequest, message: "The Host header is missing or malformed.", form: .text) }
            guard let (_, session) = currentSession(request) else { return ConsoleHTTP.html(ConsolePages.login(message: nil)) }
            return ConsoleHTTP.html(
                ConsolePages.app(session: session, imageOrigin: imageOrigin(host), imageServiceRuns: servesImages))
        case Self.root + "/console.css":
            try only(reads, "GET")
            return ConsoleHTTP.body(ConsoleAssets.style, type: "text/css; charset=utf-8", cache: "no-cache")
        case Self.root + "/console.js":
            try only(reads, "GET")
            return ConsoleHTTP.body(ConsoleAssets.script, type: "text/javascript; charset=utf-8", cache: "no-cache")
        case Self.root + "/login":
            try only(method == .post, "POST")
            return try await login(request, context: context, host: host)
        case Self.root + "/logout":
            try only(method == .post, "POST")
            let (id, _) = try authorizedPost(request, host: host, form: .text)
            sessions.remove(id: id)
            var response = ConsoleHTTP.empty()
            response.headers[.setCookie] = ConsoleHTTP.clearedCookie
            return response
        case Self.root + "/api/session":
            try only(reads, "GET")
            guard let (_, session) = currentSession(request) else {
                throw ConsoleFailure(status: .unauthorized, message: "Not signed in.", form: .json)
            }
            return ConsoleHTTP.json(SessionInfo(session, imageOrigin: imageOrigin(host)))
        case Self.root + "/api/presign":
            try only(method == .post, "POST")
            let (_, session) = try authorizedPost(request, host: host, form: .json)
            return try await presign(request, context: context, session: session, host: host)
        case Self.root + "/api/image":
            try only(method == .post, "POST")
            let (_, session) = try authorizedPost(request, host: host, form: .json)
            return try await image(request, context: context, session: session, host: host)
        default:
            throw ConsoleFailure(status: .notFound, message: "Not found.", form: path.hasPrefix(Self.root + "/api/") ? .json : .text)
        }
    }

    struct SessionInfo: Encodable {
        var accessKey: String
        var displayName: String
        var imageOrigin: String?

        init(_ session: ConsoleSession, imageOrigin: String?) {
            accessKey = session.user.accessKey
            displayName = session.user.displayName
            self.imageOrigin = imageOrigin
        }
    }

    // MARK: Sessions and CSRF

    private func currentSession(_ request: Request) -> (id: String, session: ConsoleSession)? {
        guard let id = ConsoleHTTP.sessionID(request), let session = sessions.session(for: id) else { return nil }
        return (id, session)
    }

    /// A state-changing request: it must come from a page of this console (Origin, else Referer,
    /// naming the Host it was sent to), carry a live session cookie, and repeat that session's
    /// CSRF token in `X-MSS-Console-CSRF`. Any of the three alone would stop a cross-site form;
    /// together they also stop a page on another port of the same host.
    private func authorizedPost(_ request: Request, host: ConsoleHost?, form: ConsoleFailure.Form) throws -> (String, ConsoleSession) {
        guard let (id, session) = currentSession(request) else {
            throw ConsoleFailure(status: .unauthorized, message: "Not signed in, or the session has expired.", form: form)
        }
        try checkSameOrigin(request, host: host, form: form)
        guard let token = request.headers[ConsoleHTTP.csrfHeader], Digests.constantTimeEquals(token, session.csrfToken) else {
            throw ConsoleFailure(status: .forbidden, message: "The request lacks this session's CSRF token.", form: form)
        }
        return (id, session)
    }

    /// The scheme of the page that sent a POST (`http` or `https`), once its Origin (or, without
    /// one, its Referer) is shown to name the Host the request went to.
    @discardableResult
    func checkSameOrigin(_ request: Request, host: ConsoleHost?, form: ConsoleFailure.Form) throws -> String {
        let refused = ConsoleFailure(status: .forbidden, message: "Cross-origin request refused: sign in from this console's own page.", form: form)
        guard let host else { throw refused }
        let origins = ["http", "https"].map { ($0, "\($0)://\(host.authority)") }
        if let origin = request.headers[.origin] {
            guard let match = origins.first(where: { $0.1 == origin.lowercased() }) else { throw refused }
            return match.0
        }
        if let referer = request.headers[.referer]?.lowercased(),
            let match = origins.first(where: { referer == $0.1 || referer.hasPrefix($0.1 + "/") })
        {
            return match.0
        }
        throw refused
    }

    // MARK: Sign-in

    static let maximumLoginBody = 8 * 1024

    private func login(_ request: Request, context: S3RequestContext, host: ConsoleHost?) async throws -> Response {
        let scheme = try checkSameOrigin(request, host: host, form: .page)
        let text = try await Self.readBody(request, context: context, limit: Self.maximumLoginBody, form: .page)
        guard let fields = ConsoleHTTP.form(text), let accessKey = fields["access_key"], let secretKey = fields["secret_key"],
            !accessKey.isEmpty, !secretKey.isEmpty, accessKey.utf8.count <= 256, secretKey.utf8.count <= 1024
        else {
            throw ConsoleFailure(status: .badRequest, message: "Give the access key and the secret key.", form: .page)
        }
        // Only attempts that would reach the keys count; a malformed form guesses nothing.
        let address = Self.clientAddress(context)
        if let wait = limiter.admit(address) {
            let seconds = max(1, Int(wait.components.seconds) + 1)
            logger.notice("console sign-in refused: too many failures", metadata: ["address": "\(address)"])
            throw ConsoleFailure(
                status: .tooManyRequests, message: "Too many failed sign-ins from this address. Try again in \(seconds) seconds.",
                form: .page, retryAfter: seconds)
        }
        guard let user = user(accessKey: accessKey, secretKey: secretKey) else {
            logger.notice("console sign-in failed", metadata: ["address": "\(address)"])
            try? await Task.sleep(for: settings.failedLoginDelay)
            throw ConsoleFailure(status: .unauthorized, message: "Wrong access key or secret key.", form: .page)
        }
        limiter.recordSuccess(address)
        let (id, _) = sessions.create(for: user)
        logger.info("console sign-in", metadata: ["access-key": "\(user.accessKey)", "address": "\(address)"])
        var response = ConsoleHTTP.redirect(Self.root + "/")
        response.headers[.setCookie] = ConsoleHTTP.sessionCookie(
            id, maxAge: Int(settings.sessionLifetime.components.seconds), secure: scheme == "https")
        return response
    }

    /// The user holding both keys. Every user is compared, each by the SHA-256 of both keys in
    /// constant time, so the answer's timing says nothing about how close a guess was.
    private func user(accessKey: String, secretKey: String) -> ServerUser? {
        let access = Self.digest(accessKey)
        let secret = Self.digest(secretKey)
        var found: ServerUser?
        for candidate in users {
            let accessMatches = Digests.constantTimeEquals(candidate.accessDigest, access)
            let secretMatches = Digests.constantTimeEquals(candidate.secretDigest, secret)
            if accessMatches, secretMatches { found = candidate.user }
        }
        return found
    }

    private static func digest(_ text: String) -> String { Digests.sha256Hex(Array(text.utf8)) }

    private static func clientAddress(_ context: S3RequestContext) -> String {
        context.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The request body as UTF-8 text, at most `limit` bytes (413 past it, judged by
    /// Content-Length before anything is read when it is given).
    static func readBody(_ request: Request, context: S3RequestContext, limit: Int, form: ConsoleFailure.Form) async throws -> String {
        let tooLarge = ConsoleFailure(status: .contentTooLarge, message: "The request body is too large.", form: form)
        if let length = request.headers[.contentLength], let bytes = Int(length), bytes > limit { throw tooLarge }
        ContinueGate(channel: context.channel, expectsContinue: ExpectContinueHandler.expectsContinue(request.headers)).open()
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw tooLarge
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw ConsoleFailure(status: .badRequest, message: "The request body is not UTF-8 text.", form: form)
        }
        return text
    }
}

extension ConsoleHTTP {
    static func empty(_ status: HTTPResponse.Status = .noContent) -> Response {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if status != .noContent { headers[.contentLength] = "0" }
        return Response(status: status, headers: headers)
    }
}
