import ArgumentParser
import MSS
import S3Protocol

struct MakeBucketCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(commandName: "mb", abstract: "Make a bucket.")

    @Argument(help: "mss://bucket")
    var path: String

    @Flag(name: .customLong("public-read"), help: "Let anyone read the bucket's listing.")
    var publicRead = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (bucket, key) = try Location(path).remote("mb")
        guard key.isEmpty else { throw CLIError.usage("mb takes a bucket (mss://bucket), not a key") }
        try await Session.run(global) { session in
            // Some servers (Ceph RGW, S3 in us-east-1) answer 200 to creating a bucket one already owns.
            if try await session.connection.contains(bucket: bucket) { throw CLIError("bucket '\(bucket)' already exists") }
            _ = try await session.connection.createBucket(bucket, acl: publicRead ? .publicRead : nil)
            session.output.result("made bucket mss://\(bucket)", ["type": .string("bucket"), "name": .string(bucket), "action": .string("created")])
        }
    }
}

struct RemoveBucketCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(commandName: "rb", abstract: "Remove a bucket.")

    @Argument(help: "mss://bucket")
    var path: String

    @Flag(name: .long, help: "Delete every object (in a versioned bucket every version and delete marker) and unfinished upload in it first.")
    var force = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (name, key) = try location.remote("rb")
        guard key.isEmpty else { throw CLIError.usage("rb takes a bucket (mss://bucket), not a key") }
        try await Session.run(global) { session in
            try await session.naming(location) {
                let bucket = session.bucket(name)
                if force {
                    for upload in (try? await bucket.multipartUploads()) ?? [] {
                        try await MultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID).cancel()
                    }
                    // A bucket that was ever versioned must lose every version and delete marker too.
                    let versioning = (try? await bucket.versioning()) ?? .unversioned
                    if versioning == .unversioned {
                        let deleted = try await RemoveCommand.deleteAll(in: bucket, prefix: "", output: session.output, dryRun: false)
                        if deleted > 0 { session.output.note("deleted \(deleted) object(s) from mss://\(name)") }
                    } else {
                        let deleted = try await RemoveCommand.deleteAllVersions(in: bucket, prefix: "", exactKey: false, output: session.output, dryRun: false)
                        if deleted > 0 { session.output.note("deleted \(deleted) version(s) and delete marker(s) from mss://\(name)") }
                    }
                }
                do {
                    try await bucket.delete()
                } catch let error as S3Error where error.code.rawValue == "BucketNotEmpty" {
                    throw CLIError("bucket '\(name)' is not empty; `mss rb --force mss://\(name)` deletes what it holds")
                }
            }
            session.output.result("removed bucket mss://\(name)", ["type": .string("bucket"), "name": .string(name), "action": .string("removed")])
        }
    }
}
