import ArgumentParser
import Foundation
import MSS

/// A small command for moving files with ``TransferManager``: the benchmark's SDK entry and the
/// process the resume test kills mid-upload.
///
/// Endpoint and keys come from `MSS_ENDPOINT`, `MSS_ACCESS_KEY`, `MSS_SECRET_KEY`
/// (`MSS_SIGNATURE=v2` for SigV2).
@main
struct TransferTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mss-transfer", abstract: "Upload or download files and trees with the MSS transfer manager.")

    @Argument(help: "upload, download, upload-dir or download-dir")
    var action: String
    @Argument(help: "The local file or directory.")
    var local: String
    @Argument(help: "The bucket.")
    var bucket: String
    @Argument(help: "The key (or key prefix for trees).")
    var key: String = ""
    @Option(help: "Part size in MiB.")
    var partSize: Int64 = 8
    @Option(help: "Parts or files in flight.")
    var concurrency: Int = 8
    @Option(help: "Files of a tree that take one request each in flight (default 32).")
    var smallFileConcurrency: Int?
    @Option(help: "A resume record to keep, so a killed transfer can continue.")
    var resume: String?
    @Option(help: "Slow uploads down to about this many MiB/s (for trying out interruptions).")
    var limitRate: Double?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["MSS_ENDPOINT"].flatMap(URL.init(string:)), let host = endpoint.host else {
            throw ValidationError("set MSS_ENDPOINT")
        }
        let signature: SignatureVersion = environment["MSS_SIGNATURE"] == "v2" ? .v2 : .v4(region: "us-east-1")
        try await S3Connection.withConnection(
            credentials: .environment,
            configuration: .init(host: host, port: endpoint.port, signatureVersion: signature)
        ) { connection in
            var configuration = TransferConfiguration(
                multipartThreshold: partSize << 20, partSize: partSize << 20, concurrency: concurrency)
            if let smallFileConcurrency { configuration.smallFileConcurrency = smallFileConcurrency }
            let transfers = TransferManager(connection: connection, configuration: configuration)
            let target = Bucket(connection: connection, name: bucket)
            switch action {
            case "upload":
                let limit = limitRate.map { $0 * 1_048_576 }
                try await transfers.upload(file: local, to: target.newKey(key), resumeFile: resume) { progress in
                    // Blocking here holds back the sending task, which is the point.
                    if let limit, progress.bytesPerSecond > limit { usleep(20_000) }
                }
            case "download":
                try await transfers.download(target.newKey(key), toFile: local, resumeFile: resume)
            case "upload-dir":
                let result = try await transfers.uploadDirectory(local, to: target, prefix: key)
                guard result.failures.isEmpty else { throw ValidationError("\(result.failures.count) files failed") }
            case "download-dir":
                let result = try await transfers.downloadPrefix(key, from: target, to: local)
                guard result.failures.isEmpty else { throw ValidationError("\(result.failures.count) keys failed") }
            default:
                throw ValidationError("unknown action \(action)")
            }
        }
    }
}
