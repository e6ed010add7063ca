/// The parts of an HTTP request that a signature covers.
///
/// `path` is the path exactly as it goes on the wire (percent-encoded, without the query);
/// `query` holds decoded items. The client builds one to sign; the server rebuilds one from what
/// arrived to verify, so both canonicalise through the same code.
public struct SignableRequest: Sendable, Hashable {
    public var method: String
    public var path: String
    public var query: [QueryItem]
    public var headers: SignableHeaders

    public init(method: String, path: String, query: [QueryItem] = [], headers: SignableHeaders = SignableHeaders()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }
}
