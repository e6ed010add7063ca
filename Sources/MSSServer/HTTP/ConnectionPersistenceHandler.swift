import NIOCore
import NIOHTTP1

/// Keeps HTTP/1.0 and `Connection: close` clients' connections as HTTP says (RFC 9112 §9.3):
/// a request that does not ask to keep the connection ends it after its answer.
///
/// Hummingbird sees requests after the conversion to HTTP types, which drops the protocol
/// version, and ends a connection only on an explicit `Connection: close`. So an HTTP/1.0
/// client without `keep-alive` (ab, old scripts, anything that reads to end of stream) used to
/// wait for the idle timeout after every answer. Sitting before that conversion, this handler
/// marks such requests `Connection: close`, answers HTTP/1.0 requests as HTTP/1.0 (no chunked
/// framing they cannot read; `Connection: keep-alive` when they asked for it and the answer has a
/// length, else the connection ends after it) and never sends them a 1xx interim answer, which
/// RFC 9110 §15.2 forbids.
final class ConnectionPersistenceHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private struct Exchange {
        var version: HTTPVersion
        var keepAlive: Bool
        var isHEAD: Bool
    }

    /// The requests read and not yet answered, oldest first (a client may pipeline).
    private var pending = CircularBuffer<Exchange>(initialCapacity: 2)
    /// The answer being written goes to an HTTP/1.0 keep-alive request but cannot be framed
    /// for it, so the connection ends after it.
    private var closeAfterAnswer = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let keepAlive = Self.asksToKeep(head)
        pending.append(Exchange(version: head.version, keepAlive: keepAlive, isHEAD: head.method == .HEAD))
        if !keepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    /// Whether the request asks to keep its connection. `close` wins wherever it appears, in
    /// any `Connection` header (RFC 9112 §9.3); NIO's `isKeepAlive` lets an HTTP/1.0
    /// `keep-alive` outweigh it.
    static func asksToKeep(_ head: HTTPRequestHead) -> Bool {
        let tokens = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
        if tokens.contains("close") { return false }
        return head.version.major == 1 && head.version.minor >= 1 || tokens.contains("keep-alive")
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            guard let exchange = pending.first else { break }
            let isHTTP10 = exchange.version.major == 1 && exchange.version.minor == 0
            if head.status.code < 200 {
                if isHTTP10 {
                    promise?.succeed()
                    return
                }
                break
            }
            pending.removeFirst()
            if isHTTP10 {
                let closing = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
                // Without a length an HTTP/1.0 body ends where the connection does.
                let framed = head.headers.contains(name: "content-length") || exchange.isHEAD
                    || head.status == .noContent || head.status == .notModified
                let keepAlive = exchange.keepAlive && !closing && framed
                closeAfterAnswer = exchange.keepAlive && !keepAlive
                head.version = .http1_0
                head.headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
            } else if !exchange.keepAlive {
                head.headers.replaceOrAdd(name: "connection", value: "close")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .end where closeAfterAnswer:
            // The request asked to keep the connection, so nothing upstream will end it.
            closeAfterAnswer = false
            context.writeAndClose(data, promise: promise)
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }
}
