import Foundation
import MSS
import S3Protocol

/// Settles where `mss` connects: flags, then environment, then the profile, then the embedded
/// local server, field by field.
struct ConnectionResolver {
    let options: GlobalOptions
    let environment: [String: String]
    let home: MSSHome

    init(options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        self.environment = environment
        home = MSSHome(environment: environment)
    }

    /// The settings that decide a connection, and where they came from.
    struct Settings: Sendable {
        var endpoint: URL
        var imageEndpoint: URL?
        var credentials: Credentials
        var signatureVersion: SignatureVersion
        var addressing: AddressingStyle
        /// "flags", "environment", "profile NAME" or "embedded local server".
        var source: String
    }

    private func first(_ values: String?...) -> String? {
        values.lazy.compactMap { $0 }.first { !$0.isEmpty }
    }

    func profile() throws -> (name: String, profile: Profile?) {
        let file = try ProfileFile.load(from: home)
        let name = first(options.profile, environment["MSS_PROFILE"]) ?? file.current
        if let explicit = first(options.profile, environment["MSS_PROFILE"]), file.profiles[explicit] == nil {
            throw CLIError.usage("there is no profile '\(explicit)'; `mss config list` shows the ones there are")
        }
        return (name, file.profiles[name])
    }

    func resolve(output: Output) async throws -> Settings {
        let (profileName, profile) = try profile()
        let endpointText = first(options.endpoint, environment["MSS_ENDPOINT"], environment["AWS_ENDPOINT_URL_S3"], environment["AWS_ENDPOINT_URL"], profile?.endpoint)
        let accessKey = first(options.accessKey, environment["MSS_ACCESS_KEY"], environment["AWS_ACCESS_KEY_ID"], profile?.accessKey)
        let secretKey = first(options.secretKey, environment["MSS_SECRET_KEY"], environment["AWS_SECRET_ACCESS_KEY"], profile?.secretKey)
        let signatureText = first(options.signature, environment["MSS_SIGNATURE"], profile?.signature) ?? "v2"
        let region = first(options.region, environment["MSS_REGION"], environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], profile?.region) ?? "us-east-1"
        let imageText = first(options.imageEndpoint, environment["MSS_IMAGE_ENDPOINT"], profile?.imageEndpoint)
        let addressingText = first(environment["MSS_ADDRESSING"], profile?.addressing) ?? "path"

        let signatureVersion: SignatureVersion
        switch signatureText {
        case "v2": signatureVersion = .v2
        case "v4": signatureVersion = .v4(region: region)
        default: throw CLIError.usage("the signature version must be v2 or v4, not '\(signatureText)'")
        }
        let addressing: AddressingStyle = addressingText == "virtual" ? .virtualHost : .path

        guard let endpointText else {
            // Keys without an endpoint belong to some other service; the local server has its own.
            let embedded = try await EmbeddedServer(home: home).ensureRunning()
            if embedded.started {
                output.note("started the local mss-server on http://127.0.0.1:\(embedded.port) (data in \(home.dataDirectory.path); `mss server --stop` stops it)")
            }
            guard let local = URL(string: "http://127.0.0.1:\(embedded.port)") else { throw CLIError("the local server reported port \(embedded.port)") }
            // An IP address has no bucket subdomains: the local server is always path-style.
            return Settings(
                endpoint: local, imageEndpoint: embedded.imagePort.flatMap { URL(string: "http://127.0.0.1:\($0)") },
                credentials: embedded.credentials, signatureVersion: signatureVersion, addressing: .path, source: "embedded local server")
        }
        let endpoint = try Self.parseEndpoint(endpointText, what: "endpoint")
        guard let accessKey, let secretKey else {
            throw CLIError.usage("no keys for \(endpointText): give --access-key and --secret-key, set MSS_ACCESS_KEY and MSS_SECRET_KEY, or `mss config set access-key ...`")
        }
        let source: String
        if options.endpoint != nil { source = "flags" }
        else if profile?.endpoint == endpointText { source = "profile \(profileName)" }
        else { source = "environment" }
        return Settings(
            endpoint: endpoint, imageEndpoint: try imageText.map { try Self.parseEndpoint($0, what: "image endpoint") },
            credentials: Credentials(accessKey: accessKey, secretKey: secretKey), signatureVersion: signatureVersion,
            addressing: addressing, source: source)
    }

    static func parseEndpoint(_ text: String, what: String) throws -> URL {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: withScheme), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw CLIError.usage("the \(what) '\(text)' is not an http:// or https:// URL")
        }
        return url
    }

    /// A connection for `settings`.
    static func connect(_ settings: Settings) throws -> S3Connection {
        let endpoint = settings.endpoint
        let secure = endpoint.scheme == "https"
        let configuration = S3Connection.Configuration(
            host: endpoint.host ?? "127.0.0.1", port: endpoint.port ?? (secure ? 443 : 80), isSecure: secure,
            signatureVersion: settings.signatureVersion, addressing: settings.addressing,
            imageHost: settings.imageEndpoint?.host ?? endpoint.host, imagePort: settings.imageEndpoint?.port)
        return try S3Connection(
            credentials: .fixed(settings.credentials), configuration: configuration)
    }
}
