// The `Authorization` header parsers, SigV4 (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…`) and SigV2 (`AWS AKID:signature`): every request reaches them before any key is
// looked up, so any header value must parse or throw, never trap.
//
// Properties: what SigV4 accepts is what the verifier relies on (an s3 scope with an 8-digit day,
// 1 to 128 non-empty lower-case signed header names, 64 lower-case hex digits of signature), and
// rendering it back gives a header that parses to the same value; SigV2 gives non-empty parts.
import S3Protocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let header = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    if let v4 = try? SigV4Authorization(parsingHeader: header) {
        let scope = v4.scope
        precondition(scope.service == "s3" && scope.day.utf8.count == 8 && !scope.accessKey.isEmpty && !scope.region.isEmpty)
        precondition(!v4.signedHeaders.isEmpty && v4.signedHeaders.count <= 128)
        precondition(v4.signedHeaders.allSatisfy { !$0.isEmpty && $0 == $0.lowercased() })
        precondition(v4.signature.utf8.count == 64 && v4.signature.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
        let rendered = "AWS4-HMAC-SHA256 Credential=\(scope.accessKey)/\(scope.day)/\(scope.region)/\(scope.service)/aws4_request, "
            + "SignedHeaders=\(v4.signedHeaders.joined(separator: ";")), Signature=\(v4.signature)"
        precondition((try? SigV4Authorization(parsingHeader: rendered)) == v4, "\(header) renders as \(rendered)")
    }
    if let v2 = try? SigV2Authorization(parsingHeader: header) {
        precondition(!v2.accessKey.isEmpty && !v2.signature.isEmpty && v2.expires == nil)
        precondition((try? SigV2Authorization(parsingHeader: "AWS \(v2.accessKey):\(v2.signature)")) == v2)
    }
    return 0
}
