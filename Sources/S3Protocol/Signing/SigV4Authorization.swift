import Foundation

/// The parts of a SigV4 `Authorization` header or presigned `X-Amz-Credential`, read with bounds.
///
/// `AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,
/// SignedHeaders=host;range;x-amz-date, Signature=fe5f…`
public struct SigV4Authorization: Sendable, Hashable {
    /// The `Credential` scope: `AKID/YYYYMMDD/REGION/SERVICE/aws4_request`.
    public struct Scope: Sendable, Hashable {
        public var accessKey: String
        /// `YYYYMMDD`, still to be compared with the request's date.
        public var day: String
        public var region: String
        public var service: String

        /// Parses a credential, which must name the `s3` service.
        public init(parsing credential: String) throws(SignatureParseError) {
            guard credential.utf8.count <= 512 else {
                throw .malformedHeader("the Credential is too long.")
            }
            let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 5, parts[4] == "aws4_request", !parts[0].isEmpty, parts[1].utf8.count == 8,
                parts[1].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), !parts[2].isEmpty
            else {
                throw .malformedHeader("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
            }
            guard parts[3] == "s3" else {
                throw .malformedHeader("incorrect service \"\(parts[3].prefix(64))\". This endpoint belongs to \"s3\".")
            }
            accessKey = parts[0]
            day = parts[1]
            region = parts[2]
            service = parts[3]
        }
    }

    public var scope: Scope
    /// Lower-case names, as listed.
    public var signedHeaders: [String]
    /// 64 lower-case hex digits.
    public var signature: String

    /// Parses the value of an `Authorization` header that starts with `AWS4-HMAC-SHA256 `.
    public init(parsingHeader header: String) throws(SignatureParseError) {
        let prefix = SigV4Signer.algorithm + " "
        guard header.hasPrefix(prefix) else { throw .malformedHeader("it must start with \(SigV4Signer.algorithm).") }
        guard header.utf8.count <= 8192 else { throw .malformedHeader("it is too long.") }
        var fields: [String: String] = [:]
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = Self.trimmingWhitespace(part)
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = String(trimmed[..<equals])
            guard fields[name] == nil else { throw .malformedHeader("\(name.prefix(32)) is given twice.") }
            fields[name] = String(trimmed[trimmed.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            throw .malformedHeader("it must hold Credential, SignedHeaders and Signature.")
        }
        scope = try Scope(parsing: credential)
        self.signedHeaders = try Self.parseSignedHeaders(signedHeaders)
        self.signature = try Self.parseSignature(signature)
    }

    init(scope: Scope, signedHeaders: [String], signature: String) {
        self.scope = scope
        self.signedHeaders = signedHeaders
        self.signature = signature
    }

    /// `part` without the leading and trailing whitespace Foundation's `.whitespaces` names.
    /// For ASCII text that set is the space and the tab, trimmed here byte by byte: Foundation's
    /// trimming was a seventh of a header-signed GET's time on the server.
    static func trimmingWhitespace(_ part: Substring) -> Substring {
        let bytes = part.utf8
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return Substring(part.trimmingCharacters(in: .whitespaces)) }
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while start < end, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return part[start..<end]
    }

    /// `host;range;x-amz-date`: non-empty, lower-cased, at most 128 names.
    static func parseSignedHeaders(_ text: String) throws(SignatureParseError) -> [String] {
        let names = text.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard !names.isEmpty, names.count <= 128, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
            throw .malformedHeader("SignedHeaders is mal-formed.")
        }
        return names
    }

    static func parseSignature(_ text: String) throws(SignatureParseError) -> String {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw SignatureParseError(403, .signatureDoesNotMatch, "The request signature is not 64 lower-case hex digits.")
        }
        return text
    }
}
