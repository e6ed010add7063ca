import Logging

/// Hands log entries to another handler, keeping the metadata set on it aside until an entry is
/// actually logged.
///
/// Why: Hummingbird gives every request a logger with its own request id, and swift-log's
/// `StreamLogHandler` renders all of its metadata into text each time a value is set: per request,
/// work for a line that is almost never written (a PUT spent 1% of its time on it).
struct DeferredMetadataLogHandler: LogHandler {
    private var wrapped: any LogHandler
    var metadata: Logger.Metadata

    init(_ wrapped: any LogHandler) {
        self.wrapped = wrapped
        self.metadata = wrapped.metadata
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var handler = wrapped
        handler.metadata = metadata
        handler.log(event: event)
    }
}

extension Logger {
    /// This logger, its metadata rendered only for entries it writes (``DeferredMetadataLogHandler``).
    var deferringMetadata: Logger {
        let handler = self.handler
        return Logger(label: label) { _ in DeferredMetadataLogHandler(handler) }
    }
}
