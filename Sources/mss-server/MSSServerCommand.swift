import ArgumentParser
import Foundation
import Logging
import MSSServer
import S3Protocol

@main
struct MSSServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mss-server",
        abstract: "A local MSS-compatible S3 server with strict SigV2/SigV4 authentication, storing objects on disk.",
        discussion: """
            Every option can also be set in the environment: MSS_SERVER_DATA, MSS_SERVER_ADDRESS, MSS_SERVER_PORT,
            MSS_SERVER_IMAGE_PORT, MSS_ACCESS_KEY and MSS_SECRET_KEY. Without keys the server uses the development keys
            mssadmin / mssadmin-secret and says so.
            """)

    @Option(name: .long, help: "The data directory (created if missing).")
    var data: String?

    @Option(name: .long, help: "The address to listen on.")
    var address: String?

    @Option(name: .long, help: "The S3 port; 0 picks a free one.")
    var port: Int?

    @Option(name: .customLong("image-port"), help: "The image service port (GET /bucket/key@process); default the S3 port + 1, or a free one when that is 0.")
    var imagePort: Int?

    @Flag(name: .customLong("no-image-service"), help: "Run the S3 API only.")
    var noImageService = false

    @Option(name: .customLong("access-key"), help: "The access key clients sign with.")
    var accessKey: String?

    @Option(name: .customLong("secret-key"), help: "The secret key clients sign with.")
    var secretKey: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let dataDirectory = data ?? environment["MSS_SERVER_DATA"] else {
            throw ValidationError("give the data directory with --data DIR (or MSS_SERVER_DATA)")
        }
        let accessKey = self.accessKey ?? environment["MSS_ACCESS_KEY"]
        let secretKey = self.secretKey ?? environment["MSS_SECRET_KEY"]
        let credentials: Credentials
        let usingDevelopmentKeys: Bool
        switch (accessKey, secretKey) {
        case let (access?, secret?):
            guard !access.isEmpty, secret.utf8.count >= 8 else {
                throw ValidationError("the access key must not be empty and the secret key needs at least 8 characters")
            }
            credentials = Credentials(accessKey: access, secretKey: secret)
            usingDevelopmentKeys = false
        case (nil, nil):
            credentials = MSSServer.Configuration.developmentCredentials
            usingDevelopmentKeys = true
        default:
            throw ValidationError("give both --access-key and --secret-key, or neither")
        }
        let portText = environment["MSS_SERVER_PORT"]
        guard let port = port ?? (portText.map { Int($0) } ?? 9000), (0...65535).contains(port) else {
            throw ValidationError("the port must be a number from 0 to 65535")
        }
        var imagePort: Int?
        if !noImageService {
            let imagePortText = environment["MSS_SERVER_IMAGE_PORT"]
            guard let chosen = self.imagePort ?? (imagePortText.map { Int($0) } ?? (port == 0 ? 0 : port + 1)), (0...65535).contains(chosen) else {
                throw ValidationError("the image port must be a number from 0 to 65535")
            }
            imagePort = chosen
        }
        let address = self.address ?? environment["MSS_SERVER_ADDRESS"] ?? "127.0.0.1"
        var logger = Logger(label: "mss-server")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        let server = try await MSSServer(
            configuration: .init(dataDirectory: dataDirectory, address: address, port: port, imagePort: imagePort, credentials: [credentials]),
            logger: logger)
        let host = address.contains(":") ? "[\(address)]" : address
        try await server.run(onListening: { bound in
            var banner = """
                mss-server is running.
                  S3 API:     http://\(host):\(bound)
                  Data:       \(URL(fileURLWithPath: dataDirectory).standardizedFileURL.path)
                  AccessKey:  \(credentials.accessKey)

                """
            if usingDevelopmentKeys {
                banner += """
                      SecretKey:  \(credentials.secretKey)
                      (development keys: set --access-key and --secret-key for anything that matters)

                    """
            } else {
                banner += "  SecretKey:  (as given)\n"
            }
            // Written straight to the descriptor so a pipe reader sees it at once.
            FileHandle.standardOutput.write(Data(banner.utf8))
        }, onImageListening: { bound in
            FileHandle.standardOutput.write(Data("  Image:      http://\(host):\(bound)  (GET /bucket/key@process)\n".utf8))
        })
    }
}
