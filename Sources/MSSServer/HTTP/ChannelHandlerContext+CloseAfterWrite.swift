import NIOCore

extension ChannelHandlerContext {
    /// Writes and flushes the last part of an answer, then closes the connection once it is
    /// written (whether or not the write succeeded): for answers after which the connection
    /// cannot carry another request.
    func writeAndClose(_ data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        writeAndFlush(data, promise: written)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}
