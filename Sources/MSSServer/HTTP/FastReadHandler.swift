import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import S3Protocol

/// Answers plain GETs and HEADs of objects (``PlainObjectRead``) whose answer
/// ``ReadAnswerCache`` holds, on the connection's event loop, without handing them to
/// Hummingbird: no task, no visit to the store's actor, no file read. Anything else, a miss, a
/// signature that does not verify or an ACL that does not grant READ goes on to the full S3 path,
/// which answers it (and its errors) as always and may fill the cache.
///
/// Sits after Hummingbird's connection state handler, so the idle timeout and graceful shutdown
/// see these requests too. While a request handed on is unanswered, later ones are handed on as
/// well: a pipelining client gets its answers in order. So are requests that arrive while the
/// connection cannot take more output, which the full path's back-pressure then holds.
final class FastReadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let reads: FastReads
    /// Requests handed on whose answers have not ended yet.
    private var handedOn = 0
    /// The rest of a request answered here is dropped.
    private var answered = false

    init(_ reads: FastReads) {
        self.reads = reads
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // A client that sends faster than it reads finds the channel unwritable: its
            // requests then go the full path, whose writes wait, so nothing piles up here.
            if handedOn == 0, context.channel.isWritable, let answer = reads.answer(head) {
                answered = true
                context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
                if let body = answer.body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            answered = false
            handedOn += 1
        case .body:
            if answered { return }
        case .end:
            if answered {
                answered = false
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), handedOn > 0 { handedOn -= 1 }
        context.write(data, promise: promise)
    }
}

/// What ``FastReadHandler`` needs to answer: the cache, and the same authentication and
/// addressing as the full path.
struct FastReads: Sendable {
    let answers: ReadAnswerCache
    let authenticator: Authenticator
    let domains: [String]
    let presigned = VerifiedPresignedURLs()
    private static let checksumMode = HTTPField.Name(PlainObjectRead.checksumMode.name)!

    /// The answer to `head` from the cache, or nil when the full path must answer. Only ever
    /// a 200 that the full path would give: every refusal is the full path's.
    func answer(_ head: HTTPRequest) -> (head: HTTPResponse, body: ByteBuffer?)? {
        let isHead: Bool
        switch head.method {
        case .get: isHead = false
        case .head: isHead = true
        default: return nil
        }
        // Origin-form targets only, split as Hummingbird splits them. A request that ends its
        // connection is left to the full path, which ends it.
        guard answers.isEnabled, let target = head.path, target.utf8.first == UInt8(ascii: "/"),
            !target.utf8.contains(UInt8(ascii: "#")),
            !head.headerFields[values: .connection].contains(where: { $0.lowercased().contains("close") })
        else { return nil }
        let path: Substring
        let queryText: Substring
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            queryText = target[target.index(after: mark)...]
        } else {
            (path, queryText) = (target[...], "")
        }
        // A presigned URL verified before: the same request, so as plain as it was then.
        let parts = queryText.isEmpty ? nil : VerifiedPresignedURLs.parts(
            method: head.method.rawValue, target: target[...], authority: head.authority, fields: head.headerFields)
        let knownSigner = parts.flatMap { presigned.user($0) }
        var query: [QueryItem] = []
        if knownSigner == nil {
            guard let parsed = QueryItem.parse(queryText),
                PlainObjectRead.isPlain(query: parsed, headers: head.headerFields.lazy.map { (name: $0.name.canonicalName, value: $0.value) })
            else { return nil }
            query = parsed
        }
        let headers = ServerRequest.signableHeaders(authority: head.authority, head.headerFields)
        guard
            let request = try? ServerRequest(
                method: head.method.rawValue, rawPath: String(path), query: query, headers: headers, body: RequestBody(buffer: ByteBuffer()),
                domains: domains),
            let bucket = request.bucket, let key = request.key,
            let entry = answers.lookup(ReadAnswerCache.Name(bucket: bucket, key: key)),
            isHead || entry.body != nil
        else { return nil }
        let user: ServerUser?
        if let knownSigner {
            user = knownSigner
        } else {
            guard let authentication = try? authenticator.authenticate(request.authenticationInput) else { return nil }
            if let parts { presigned.remember(parts, authentication) }
            user = authentication.identity.user
        }
        guard entry.acl.grants(.read, to: user) else { return nil }
        // Twice is not ENABLED to the full path, which reads the values joined.
        let modes = head.headerFields[values: Self.checksumMode].count
        guard modes <= 1 else { return nil }
        var fields = modes == 0 ? entry.headers : entry.headersWithChecksums ?? entry.headers
        fields[.amzRequestID] = S3Handler.makeRequestID()
        fields[.server] = "mss-server"
        fields[.date] = ResponseDate.now
        return (HTTPResponse(status: .ok, headerFields: fields), isHead ? nil : entry.body)
    }
}
