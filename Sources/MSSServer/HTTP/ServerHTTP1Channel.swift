import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with one handler more: ``ConnectionPersistenceHandler``,
/// which has to see each request's protocol version and so sits before the conversion to HTTP
/// types, where Hummingbird's `additionalChannelHandlers` cannot go; and on the S3 port,
/// ``FastReadHandler`` last, after the connection state handler. The rest is
/// `HTTP1Channel.setup`'s pipeline, with the same configuration type.
struct ServerHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let fastReads: FastReads?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(ConnectionPersistenceHandler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger))
            if let fastReads { try pipeline.addHandler(FastReadHandler(fastReads)) }
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// An HTTP/1.1 server that also ends connections as HTTP/1.0 and `Connection: close`
    /// clients expect (``ServerHTTP1Channel``), answering cached reads itself when `fastReads`
    /// is given.
    static func s3HTTP1(configuration: HTTP1Channel.Configuration, fastReads: FastReads?) -> HTTPServerBuilder {
        .init { responder in ServerHTTP1Channel(responder: responder, configuration: configuration, fastReads: fastReads) }
    }
}
