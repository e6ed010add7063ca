// Raw query strings through `QueryItem.parse` and both presigned-URL parsers (SigV4 `X-Amz-*`,
// SigV2 `AWSAccessKeyId`/`Expires`/`Signature`): anyone can send a query, and these run before the
// signature is checked, so no query may trap.
//
// Properties: the decoded items render to a query that parses back to the same items (the
// canonical query the verifier signs is built from them); an accepted SigV4 URL has its expiry in
// 0...604800 s, signs `host`, and is dated on its credential's day; an accepted SigV2 URL expires
// no later than 9999.
import S3Protocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let items = QueryItem.parse(raw[...]) else { return 0 }
    precondition(QueryItem.parse(QueryItem.render(items)[...]) == items, "query \(raw) does not survive rendering")

    if let v4 = try? SigV4PresignedQuery(parsing: items) {
        precondition((0...604_800).contains(v4.expires) && v4.authorization.signedHeaders.contains("host"))
        precondition(HTTPDate.yyyymmdd(v4.date) == v4.authorization.scope.day)
        precondition(v4.authorization.signature.utf8.count == 64)
    }
    if let v2 = try? SigV2Authorization(parsingQuery: items) {
        precondition(!v2.accessKey.isEmpty && !v2.signature.isEmpty)
        precondition(v2.expires.map { $0 >= 0 && $0 <= SigV2Authorization.latestExpiry } == true)
    }
    return 0
}
