/// Plain-words errors for `sync` and `diff`, which have two sides.
extension Session {
    /// Runs `body` with "no such bucket/key" answers naming the remote side. With two remote sides
    /// either could be meant, so the server's own resource names it (ErrorDescription reads it).
    func naming<Result>(sideOf from: Location, _ to: Location, _ body: () async throws -> Result) async throws -> Result {
        switch (from.isRemote, to.isRemote) {
        case (true, true): try await body()
        case (true, false): try await naming(from, body)
        default: try await naming(to, body)
        }
    }
}
