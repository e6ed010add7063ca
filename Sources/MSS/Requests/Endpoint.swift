import S3Protocol

/// Turns a request's bucket and key into host, wire path and SigV2 resource, per addressing style.
struct Endpoint: Sendable {
    var scheme: String
    var host: String
    var port: Int?
    var addressing: AddressingStyle

    init(configuration: S3Connection.Configuration, service: S3Request.Service) {
        scheme = configuration.isSecure ? "https" : "http"
        switch service {
        case .storage:
            host = configuration.host
            port = configuration.port
        case .image:
            host = configuration.imageHost ?? configuration.host
            port = configuration.imagePort
        }
        addressing = configuration.addressing
    }

    struct Target: Sendable {
        /// The `Host` header value (with the port when it is not the scheme's default).
        var hostHeader: String
        /// The percent-encoded path sent on the wire.
        var path: String
        /// The SigV2 canonical resource path (`/bucket/key`, whatever the addressing).
        var resourcePath: String
        var baseURL: String
    }

    func target(bucket: String?, key: String?) -> Target {
        let encodedKey = key.map { URIEncoding.encode($0, keepSlash: true) }
        let defaultPort = scheme == "https" ? 443 : 80
        let portSuffix = port.map { $0 == defaultPort ? "" : ":\($0)" } ?? ""
        // Bucket-level requests use `/bucket/`: Ceph RGW insists on it for SigV2 and S3 accepts it.
        let resourcePath: String
        if let bucket {
            resourcePath = "/\(bucket)/" + (encodedKey ?? "")
        } else {
            resourcePath = "/"
        }
        let virtual = addressing == .virtualHost && bucket != nil
        let hostName = virtual ? "\(bucket ?? "").\(host)" : host
        let path = virtual ? "/" + (encodedKey ?? "") : resourcePath
        let bracketed = hostName.contains(":") ? "[\(hostName)]" : hostName
        return Target(
            hostHeader: bracketed + portSuffix, path: path, resourcePath: resourcePath,
            baseURL: "\(scheme)://\(bracketed)\(portSuffix)")
    }
}
