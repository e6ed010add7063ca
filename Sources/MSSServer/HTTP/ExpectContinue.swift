import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Foundation

/// Answers `Expect: 100-continue` the way S3 does: the interim `100 Continue` goes out only once
/// the request is authenticated and authorised (the responder asks for it through
/// ``ContinueGate``), and a final answer sent before that ends the connection, since the client
/// then never sends the body the connection still owes.
///
/// Without it boto3, awscli and most SDKs wait a second before every upload body.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Sent down the channel by the responder once the request may send its body.
    struct SendContinue: Sendable {}

    /// The request being read asked for `100 Continue` and has not had it.
    private var awaitingContinue = false
    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            awaitingContinue = Self.expectsContinue(head.headerFields)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is SendContinue else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        guard awaitingContinue else {
            promise?.succeed()
            return
        }
        awaitingContinue = false
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.kind != .informational && awaitingContinue:
            awaitingContinue = false
            closeAfterResponse = true
            head.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closeAfterResponse:
            closeAfterResponse = false
            context.writeAndClose(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    static func expectsContinue(_ fields: HTTPFields) -> Bool {
        fields[values: .expect].contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "100-continue" }
    }
}

/// What the responder holds to let a waiting client send its body (``ExpectContinueHandler``).
struct ContinueGate: Sendable {
    let channel: (any Channel)?
    let expectsContinue: Bool

    /// Sends `100 Continue` if the client is waiting for it; does nothing otherwise.
    func open() {
        guard expectsContinue, let channel else { return }
        channel.triggerUserOutboundEvent(ExpectContinueHandler.SendContinue(), promise: nil)
    }
}

/// The request context of mss-server's listeners: Hummingbird's, plus the channel, which
/// ``ContinueGate`` needs.
struct S3RequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
