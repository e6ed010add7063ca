import Foundation
import MSS

/// `-` as a path of `cp`: standard input to an object, or an object to standard output.
struct StandardStreamTransfers {
    /// The path that stands for standard input or output.
    static let marker = "-"

    let session: Session
    let options: TransferOptions
    let settings: ObjectSettings
    let versionID: String?

    /// Streams need few parts in flight to be fast; fewer keep memory small.
    static let defaultConcurrency = 4

    func copy(_ source: Location, to destination: Location) async throws -> [Location] {
        switch (source, destination) {
        case (.local(Self.marker), .remote(let bucket, let key)):
            return try await upload(bucket: bucket, key: key)
        case (.remote(let bucket, let key), .local(Self.marker)):
            return try await download(bucket: bucket, key: key)
        default:
            throw CLIError.usage("'-' (standard input or output) goes with a remote path: cp - mss://bucket/key, or cp mss://bucket/key -")
        }
    }

    private func upload(bucket: String, key: String) async throws -> [Location] {
        guard !options.recursive else { throw CLIError.usage("standard input is one stream; it does not go with --recursive") }
        guard versionID == nil else { throw CLIError.usage("--version-id names a version of a remote source") }
        guard !key.isEmpty, !key.hasSuffix("/") else {
            throw CLIError.usage("standard input has no name: give the whole key, such as mss://\(bucket)/\(key)data.bin")
        }
        if settings.preserve { throw CLIError.usage("--preserve keeps a file's mode and times; standard input has none") }
        let destination = Location.remote(bucket: bucket, key: key)
        let partSize = Int(Int64(min(max(5, options.partSize ?? 8), 5120)) << 20)
        let upload = StreamUpload(
            key: session.bucket(bucket).newKey(key), options: settings.streamOptions, partSize: partSize,
            concurrency: max(1, options.concurrency ?? Self.defaultConcurrency), output: session.output)
        let outcome = try await session.naming(destination) { try await upload.run(from: StandardInputReader()) }
        session.output.result(
            "uploaded standard input → \(destination) (\(HumanFormat.size(outcome.size)), \(outcome.parts) part\(outcome.parts == 1 ? "" : "s"))",
            ["action": .string("upload"), "source": .string(Self.marker), "destination": .string(destination.description),
             "size": .int(outcome.size), "parts": .int(outcome.parts), "etag": .optional(outcome.result.etag)])
        return []
    }

    /// Standard output carries the object, so nothing else is written there, not even `--json`.
    private func download(bucket: String, key: String) async throws -> [Location] {
        guard !options.recursive else { throw CLIError.usage("standard output takes one object; it does not go with --recursive") }
        guard !key.isEmpty, !key.hasSuffix("/") else { throw CLIError.usage("mss://\(bucket)/\(key) is a prefix; name one object to write to standard output") }
        let source = Location.remote(bucket: bucket, key: key)
        try await session.naming(source, versionID: versionID) {
            _ = try await StreamDownload.run(session.bucket(bucket).newKey(key), versionID: versionID, customerKey: settings.readKey)
        }
        return [source]
    }
}
