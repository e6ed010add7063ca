import Foundation
import MSS
import S3Protocol

/// What one command run works with: the output, the resolved settings and an open connection,
/// closed when the command ends.
struct Session {
    let output: Output
    let settings: ConnectionResolver.Settings
    let connection: S3Connection
    let home: MSSHome

    static func run<Result>(_ options: GlobalOptions, _ body: (Session) async throws -> Result) async throws -> Result {
        let output = options.output
        let resolver = ConnectionResolver(options: options)
        let settings = try await resolver.resolve(output: output)
        let connection = try ConnectionResolver.connect(settings)
        let session = Session(output: output, settings: settings, connection: connection, home: resolver.home)
        do {
            let result = try await body(session)
            try await connection.shutdown()
            return result
        } catch {
            try? await connection.shutdown()
            throw error
        }
    }

    func bucket(_ name: String) -> Bucket { Bucket(connection: connection, name: name) }

    func transfers(concurrency: Int?, partSize: Int?) -> TransferManager {
        var configuration = TransferConfiguration()
        if let concurrency {
            // A number given is the most of anything in flight, small files included.
            configuration.concurrency = max(1, concurrency)
            configuration.smallFileConcurrency = max(1, concurrency)
        }
        if let partSize {
            configuration.partSize = Int64(max(5, partSize)) << 20
            configuration.multipartThreshold = configuration.partSize
        }
        return TransferManager(connection: connection, configuration: configuration)
    }

    /// Runs `body`, turning "no such bucket/key" answers into messages naming `location`.
    func naming<Result>(_ location: Location, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as S3Error {
            guard !output.debug, case .remote(let bucket, _) = location else { throw error }
            switch error.code {
            case .noSuchBucket: throw CLIError("bucket '\(bucket)' does not exist")
            case .noSuchKey: throw CLIError("\(location) does not exist")
            case .accessDenied: throw CLIError("access denied to \(location)")
            default: throw error
            }
        }
    }

    /// Where an interrupted transfer between `source` and `destination` keeps its resume record:
    /// running the same command again continues it.
    func resumeFile(_ source: String, _ destination: String) throws -> String {
        try home.ensurePrivateDirectory(home.resumeDirectory)
        let name = Digests.sha256Hex(Data((source + "\n" + destination).utf8))
        return home.resumeDirectory.appendingPathComponent(name + ".json").path
    }
}

/// Commands that talk to a server: their global options decide how errors are reported.
protocol SessionCommand: ReportingCommand {
    var global: GlobalOptions { get }
}

extension SessionCommand {
    var output: Output { global.output }
}
