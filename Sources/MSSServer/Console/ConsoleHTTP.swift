import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import S3Protocol

/// A console request refused: the status and a message for people. Sign-in failures answer
/// with the login page, API failures with `{"error": ...}`, the rest with plain text.
struct ConsoleFailure: Error {
    enum Form { case page, json, text }

    var status: HTTPResponse.Status
    var message: String
    var form: Form
    var retryAfter: Int? = nil
}

/// Building console answers: pages, assets, JSON, redirects, the security headers they all carry.
enum ConsoleHTTP {
    static let cookieName = "mss_console"
    static let csrfHeader = HTTPField.Name("X-MSS-Console-CSRF")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    static let crossOriginResourcePolicy = HTTPField.Name("Cross-Origin-Resource-Policy")!

    static func body(_ text: String, type: String, status: HTTPResponse.Status = .ok, cache: String = "no-store") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = cache
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        body(text, type: "text/html; charset=utf-8", status: status)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return body(text, type: "application/json; charset=utf-8", status: status)
    }

    static func text(_ text: String, status: HTTPResponse.Status) -> Response {
        body(text + "\n", type: "text/plain; charset=utf-8", status: status)
    }

    static func redirect(_ location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.contentLength] = "0"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers)
    }

    /// What every console answer carries. The policy allows scripts and styles from the console
    /// itself only (no inline script or style), images from it, `blob:` (local previews) and the
    /// image service's origin, fetches to it alone, and no framing.
    static func secure(_ response: inout Response, imageOrigin: String?) {
        let images = ["'self'", "blob:"] + (imageOrigin.map { [$0] } ?? [])
        response.headers[contentSecurityPolicy] = [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src \(images.joined(separator: " "))",
            "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
        ].joined(separator: "; ")
        response.headers[frameOptions] = "DENY"
        response.headers[contentTypeOptions] = "nosniff"
        response.headers[referrerPolicy] = "same-origin"
        response.headers[crossOriginOpenerPolicy] = "same-origin"
        response.headers[crossOriginResourcePolicy] = "same-origin"
        response.headers[.server] = "mss-server"
        response.headers[.date] = HTTPDate.rfc1123(Date())
    }

    /// The session cookie: readable by no script, sent by the browser only on same-site requests
    /// and only to the console's paths; `Secure` when the page was reached over HTTPS (through a
    /// proxy: mss-server itself speaks plain HTTP, where browsers would drop a Secure cookie).
    static func sessionCookie(_ id: String, maxAge: Int, secure: Bool = false) -> String {
        "\(cookieName)=\(id); Path=/_console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static var clearedCookie: String {
        "\(cookieName)=; Path=/_console; Max-Age=0; HttpOnly; SameSite=Strict"
    }

    /// The value of the console cookie in the request's `Cookie` fields, if any.
    static func sessionID(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == cookieName { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// `application/x-www-form-urlencoded` fields; nil when the body is not such a form.
    static func form(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = parts.count == 2 ? decode(parts[1]) : "" else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

}

/// The `Host` the browser used, checked to be a plain host name or address and port: it goes into
/// presigned URLs and the Content-Security-Policy, so nothing else may pass.
struct ConsoleHost: Sendable, Equatable {
    /// `127.0.0.1`, `localhost`, `[::1]`.
    var name: String
    var port: Int?

    init?(_ authority: String?) {
        guard let authority, !authority.isEmpty, authority.utf8.count <= 260 else { return nil }
        var name = Substring(authority)
        var portText: Substring?
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return nil }
            let inside = name[name.index(after: name.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
            let rest = name[name.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
            name = name[...close]
        } else {
            if let colon = name.firstIndex(of: ":") {
                portText = name[name.index(after: colon)...]
                name = name[..<colon]
            }
            guard !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
            else { return nil }
        }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText),
                (1...65535).contains(port)
            else { return nil }
            self.port = port
        }
        self.name = String(name).lowercased()
    }

    /// The `Host` value for the same host on `port`.
    func authority(port: Int) -> String { "\(name):\(port)" }

    var authority: String { port.map { "\(name):\($0)" } ?? name }
}
