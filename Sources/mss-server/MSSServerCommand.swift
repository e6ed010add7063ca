import ArgumentParser
import S3Protocol
import MSSServerLauncher

@main
struct MSSServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mss-server",
        abstract: "A local MSS-compatible S3 server with strict SigV2/SigV4 authentication, storing objects on disk, with the MSS image service.",
        discussion: """
            Every option can also be set in the environment: MSS_SERVER_DATA, MSS_SERVER_ADDRESS, MSS_SERVER_PORT,
            MSS_SERVER_IMAGE_PORT, MSS_ACCESS_KEY and MSS_SECRET_KEY. Without keys the server uses the development keys
            mssadmin / mssadmin-secret and says so.
            """,
        version: "\(PackageVersion.current) (allocator: TCMalloc, \(Allocator.description))")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await options.run()
    }
}
