import Foundation
import Hummingbird
import MSSImageProcess
import S3Protocol

/// The console's two signing endpoints. Both sign with the signed-in user's own key through
/// S3Protocol's `SigV4Signer.presignedQuery`, the same code the SDK presigns with and the server
/// verifies with, so a URL is worth exactly what that user may do on the S3 API.
extension Console {
    /// Validity of the URLs the page uses itself; the link generator asks for its own.
    static let defaultExpiry = 300
    static let region = "us-east-1"
    static let maximumAPIBody = 16 * 1024

    /// `POST /_console/api/presign`: `{"method", "bucket", "key", "query": [[name, value]],
    /// "expires", "service": "s3"|"image"}` → `{"url", "expires"}`.
    struct PresignRequest: Decodable {
        var method: String
        var bucket: String?
        var key: String?
        var query: [[String]]?
        var expires: Int?
        var service: String?
    }

    struct PresignAnswer: Encodable {
        var url: String
        var expires: Int
    }

    /// `POST /_console/api/image`: `{"bucket", "key", "process", "expires"}` → the presigned URLs
    /// of the original and the rendered image and the lines that fetch the same, or 400 with the
    /// image service's own words for a process string it would refuse.
    struct ImageRequest: Decodable {
        var bucket: String
        var key: String
        var process: String
        var expires: Int?
    }

    struct ImageAnswer: Encodable {
        var url: String
        var original: String
        var process: String
        var canonical: String
        var cli: String
        var sdk: String
        var expires: Int
    }

    func presign(_ request: Request, context: S3RequestContext, session: ConsoleSession, host: ConsoleHost?) async throws -> Response {
        let scheme = try checkSameOrigin(request, host: host, form: .json)
        let asked: PresignRequest = try await Self.decode(request, context: context)
        let method = asked.method.uppercased()
        guard ["GET", "HEAD", "PUT", "POST", "DELETE"].contains(method) else {
            throw Self.invalid("method must be GET, HEAD, PUT, POST or DELETE")
        }
        var query: [QueryItem] = []
        for pair in asked.query ?? [] {
            guard (1...2).contains(pair.count), let name = pair.first, !name.isEmpty, name.utf8.count <= 128,
                pair.count == 1 || pair[1].utf8.count <= 1024
            else { throw Self.invalid("query items are [name] or [name, value]") }
            guard !name.lowercased().hasPrefix("x-amz-") else { throw Self.invalid("query item \(name) is the signature's") }
            query.append(QueryItem(name, pair.count == 2 ? pair[1] : nil))
        }
        guard query.count <= 16 else { throw Self.invalid("at most 16 query items") }
        let service = asked.service ?? "s3"
        guard service == "s3" || service == "image" else { throw Self.invalid("service must be s3 or image") }
        let expires = try Self.expiry(asked.expires)
        let url = try signedURL(
            method: method, bucket: asked.bucket, key: asked.key, query: query, expires: expires, user: session.user, host: host,
            scheme: scheme, imageService: service == "image")
        return ConsoleHTTP.json(PresignAnswer(url: url, expires: expires))
    }

    func image(_ request: Request, context: S3RequestContext, session: ConsoleSession, host: ConsoleHost?) async throws -> Response {
        let scheme = try checkSameOrigin(request, host: host, form: .json)
        let asked: ImageRequest = try await Self.decode(request, context: context)
        guard servesImages else {
            throw Self.invalid("This server runs no image service (it was started with --no-image-service).")
        }
        let process: ImageProcess
        do {
            process = try ImageProcess(parsing: asked.process)
        } catch {
            // The image service's own message for the same string (S3Handler.serveImage).
            throw Self.invalid("Invalid image process '\(asked.process)': \(error.message).")
        }
        let expires = try Self.expiry(asked.expires)
        let imageName = asked.key + "@" + asked.process
        let url = try signedURL(
            method: "GET", bucket: asked.bucket, key: imageName, query: [], expires: expires, user: session.user, host: host,
            scheme: scheme, imageService: true)
        let original = try signedURL(
            method: "GET", bucket: asked.bucket, key: asked.key, query: [], expires: expires, user: session.user, host: host,
            scheme: scheme, imageService: false)
        let output = "rendered." + Self.outputExtension(process, key: asked.key)
        let s3Endpoint = "\(scheme)://\(host?.authority ?? "127.0.0.1")"
        let imageEndpoint = imageOrigin(host) ?? ""
        var cli = ["mss", "image", Self.shellQuoted("mss://\(asked.bucket)/\(asked.key)"), "--process", Self.shellQuoted(asked.process), "-o", output]
        if !settings.isEmbeddedServer { cli += ["--endpoint", s3Endpoint, "--image-endpoint", imageEndpoint] }
        let sdk = """
            let image = try await conn.bucket(\(Self.swiftLiteral(asked.bucket))).imageKey(\(Self.swiftLiteral(asked.key)), process: \(Self.swiftLiteral(asked.process)))
            try await image.contents(toFile: \(Self.swiftLiteral(output)))
            """
        return ConsoleHTTP.json(
            ImageAnswer(url: url, original: original, process: asked.process, canonical: process.rendered, cli: cli.joined(separator: " "), sdk: sdk, expires: expires))
    }

    /// A SigV4 presigned URL for the browser at `host`: the S3 port as the page reached it, or
    /// the same host name on the image port.
    private func signedURL(
        method: String, bucket: String?, key: String?, query: [QueryItem], expires: Int, user: ServerUser, host: ConsoleHost?,
        scheme: String, imageService: Bool
    ) throws -> String {
        guard let host else { throw Self.invalid("The Host header is missing or malformed.") }
        // The S3 side's own rules, so the console signs nothing the server would refuse to name.
        if let bucket, let problem = NameRules.bucketNameProblem(bucket) { throw Self.invalid(problem) }
        if let key {
            guard bucket != nil else { throw Self.invalid("a key needs a bucket") }
            if let problem = NameRules.keyProblem(key) { throw Self.invalid(problem + " (with an image process, key@process)") }
        }
        let authority: String
        let origin: String
        if imageService {
            guard let imagePort else { throw Self.invalid("This server runs no image service.") }
            authority = host.authority(port: imagePort)
            origin = "http://" + authority
        } else {
            authority = host.authority
            origin = "\(scheme)://\(authority)"
        }
        var path = "/"
        if let bucket {
            path += URIEncoding.encode(bucket) + "/"
            if let key { path += URIEncoding.encode(key, keepSlash: true) }
        }
        var signable = SignableRequest(method: method, path: path, query: query)
        signable.headers.add("host", authority)
        let signer = SigV4Signer(credentials: user.credentials, region: Self.region)
        let signed = signer.presignedQuery(signable, expires: expires, date: Date())
        return origin + path + "?" + QueryItem.render(signed)
    }

    private static func expiry(_ seconds: Int?) throws(ConsoleFailure) -> Int {
        let seconds = seconds ?? defaultExpiry
        guard (1...SigV4Signer.maximumPresignExpiry).contains(seconds) else {
            throw invalid("expires must be 1 to \(SigV4Signer.maximumPresignExpiry) seconds (7 days)")
        }
        return seconds
    }

    private static func invalid(_ message: String) -> ConsoleFailure {
        ConsoleFailure(status: .badRequest, message: message, form: .json)
    }

    private static func decode<T: Decodable>(_ request: Request, context: S3RequestContext) async throws -> T {
        let text = try await readBody(request, context: context, limit: maximumAPIBody, form: .json)
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw invalid("The request body is not the JSON this endpoint takes.")
        }
    }

    /// The file extension of what `process` renders from `key`.
    static func outputExtension(_ process: ImageProcess, key: String) -> String {
        for case .transform(let transform) in process.actions.reversed() {
            if let format = transform.format, format != .src { return format.rawValue }
        }
        let keyExtension = key.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return ["jpg", "jpeg", "png", "webp", "gif", "bmp"].contains(keyExtension) && key.contains(".") ? keyExtension : "jpg"
    }

    /// `text` as one POSIX shell word: bare when it is plainly safe, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./:@%+=,".contains($0)) }
        if safe { return text }
        // Control characters cannot stand in single quotes: bash's $'...' spells them as \xHH.
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            var out = "$'"
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\", "'": out += "\\" + String(scalar)
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "'"
        }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `text` as a Swift string literal.
    static func swiftLiteral(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
