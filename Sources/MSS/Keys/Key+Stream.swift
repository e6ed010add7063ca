import AsyncHTTPClient
public import NIOCore

/// The bytes of an object as they arrive, in chunks. Only valid inside the closure of
/// ``Key/read(range:versionID:conditions:customerKey:_:)``.
public struct ObjectBytes: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let body: HTTPClientResponse.Body

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator())
    }
}

extension Key {
    /// Streams the object (or `range` of it) to `body` chunk by chunk, with network back-pressure:
    /// nothing is buffered beyond what `body` has not yet consumed.
    ///
    /// ```swift
    /// let lines = try await key.read { info, bytes in
    ///     var count = 0
    ///     for try await chunk in bytes { count += chunk.readableBytesView.filter { $0 == 10 }.count }
    ///     return count
    /// }
    /// ```
    ///
    /// `versionID` reads a version other than the current one; `conditions` are preconditions
    /// whose failure throws ``S3Error`` 412 or 304 before `body` runs; `customerKey` is the SSE-C
    /// key of an object stored with one.
    public func read<Result: Sendable>(
        range: ByteRange? = nil, versionID: String? = nil, conditions: ObjectConditions? = nil, customerKey: CustomerKey? = nil,
        _ body: @Sendable (ObjectInfo, ObjectBytes) async throws -> Result
    ) async throws -> Result {
        let request = try readRequest("GET", versionID: versionID, conditions: conditions, range: range, customerKey: customerKey)
        let name = self.name
        return try await connection.send(request) { response in
            try await body(try ObjectInfo(key: name, headers: response.headers), ObjectBytes(body: response.body))
        }
    }
}
