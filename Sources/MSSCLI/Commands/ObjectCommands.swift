import ArgumentParser
import Foundation
import MSS
import NIOCore

struct CatCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(commandName: "cat", abstract: "Write objects to standard output, streamed.")

    @Argument(help: "mss://bucket/key ...")
    var paths: [String]

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Write this version of the one object named, not its current one.")
    var versionID: String?

    @OptionGroup var customerKey: CustomerKeyOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let locations = try paths.map { try Location($0) }
        try Session.validate(versionID: versionID)
        if versionID != nil, locations.count != 1 { throw CLIError.usage("--version-id takes one mss://bucket/key") }
        let key = try customerKey.key()
        try await Session.run(global) { session in
            for location in locations {
                let (bucket, name) = try location.remote("cat")
                guard !name.isEmpty else { throw CLIError.usage("cat takes mss://bucket/key") }
                try await session.naming(location, versionID: versionID) {
                    try await session.bucket(bucket).newKey(name).read(versionID: versionID, customerKey: key) { _, bytes in
                        for try await chunk in bytes {
                            chunk.withUnsafeReadableBytes { StandardStream.output.write($0.bindMemory(to: UInt8.self)) }
                        }
                    }
                }
            }
        }
    }
}

struct StatCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(commandName: "stat", abstract: "Show an object's size, ETag, type, date and metadata, or that a bucket exists.")

    @Argument(help: "mss://bucket or mss://bucket/key")
    var path: String

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Show this version of the object (or say it is a delete marker).")
    var versionID: String?

    @OptionGroup var customerKey: CustomerKeyOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (bucket, key) = try location.remote("stat")
        try Session.validate(versionID: versionID)
        if versionID != nil, key.isEmpty { throw CLIError.usage("--version-id takes mss://bucket/key") }
        let sseCKey = try customerKey.key()
        try await Session.run(global) { session in
            try await session.naming(location, versionID: versionID) {
                if key.isEmpty {
                    try await session.connection.headBucket(bucket)
                    session.output.result("Bucket:   mss://\(bucket)\nExists:   yes", ["type": .string("bucket"), "name": .string(bucket)])
                    return
                }
                let info: ObjectInfo?
                do {
                    info = try await session.bucket(bucket).newKey(key).info(versionID: versionID, customerKey: sseCKey)
                } catch let error as S3Error where error.status == 405 && versionID != nil {
                    info = nil  // S3's answer to a HEAD of a delete marker
                }
                guard let info else {
                    if let versionID, let marker = try await session.version(bucket: bucket, key: key, versionID: versionID), marker.isDeleteMarker {
                        return Self.report(marker: marker, bucket: bucket, location: location, output: session.output)
                    }
                    throw await session.missing(location, versionID: versionID)
                }
                var lines = [
                    "Key:          \(location)", "Size:         \(HumanFormat.size(info.size)) (\(info.size) bytes)",
                    "ETag:         \(info.etag ?? "-")", "Content-Type: \(info.contentType ?? "-")",
                    "Modified:     \(info.lastModified.map(HumanFormat.iso8601) ?? "-")",
                ]
                if let version = info.versionID { lines.append("Version:      \(version)") }
                let encryption = StatCommand.encryption(of: info)
                lines.append("Encryption:   \(encryption ?? "none")")
                if info.tagCount > 0 { lines.append("Tags:         \(info.tagCount) (mss tag get shows them)") }
                let headers = [
                    ("Cache-Control", "cacheControl", info.cacheControl), ("Content-Disposition", "contentDisposition", info.contentDisposition),
                    ("Content-Encoding", "contentEncoding", info.contentEncoding), ("Content-Language", "contentLanguage", info.contentLanguage),
                    ("Expires", "expires", info.expires),
                ]
                for (header, _, value) in headers { if let value { lines.append("\(header): \(value)") } }
                for (name, value) in info.metadata.sorted(by: { $0.key < $1.key }) { lines.append("Metadata:     \(name): \(value)") }
                var fields: [String: JSONValue] = [
                    "type": .string("object"), "bucket": .string(bucket), "key": .string(key), "size": .int(info.size),
                    "etag": .optional(info.etag), "contentType": .optional(info.contentType), "lastModified": .date(info.lastModified),
                    "metadata": .object(info.metadata.mapValues { .string($0) }), "versionId": .optional(info.versionID),
                    "encryption": .optional(encryption), "sseCustomerKeyMD5": .optional(info.customerKeyMD5),
                    "tagCount": .int(info.tagCount),
                ]
                for (_, field, value) in headers { fields[field] = .optional(value) }
                session.output.result(lines.joined(separator: "\n"), fields)
            }
        }
    }

    /// How the server says the object is encrypted: SSE-S3, SSE-C (with the key's MD5, never the
    /// key), or what else it names; nil for none.
    static func encryption(of info: ObjectInfo) -> String? {
        if let md5 = info.customerKeyMD5 { return "SSE-C (key MD5 \(md5))" }
        switch info.serverSideEncryption {
        case nil: return nil
        case "AES256": return "SSE-S3 (AES256)"
        case let other?: return other
        }
    }

    /// A delete marker has no content to describe: what it is, when it was made, whether it is the latest.
    static func report(marker: ObjectVersion, bucket: String, location: Location, output: Output) {
        output.result(
            """
            Key:          \(location)
            Version:      \(marker.versionID)
            Type:         delete marker\(marker.isLatest ? " (the latest version: the key reads as deleted)" : "")
            Modified:     \(marker.lastModified.map(HumanFormat.iso8601) ?? "-")
            """,
            ["type": .string("deleteMarker"), "bucket": .string(bucket), "key": .string(marker.key),
             "versionId": .string(marker.versionID), "deleteMarker": .bool(true), "latest": .bool(marker.isLatest),
             "lastModified": .date(marker.lastModified)])
    }
}

struct PresignCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(commandName: "presign", abstract: "Print a presigned URL that works without keys until it expires.")

    @Argument(help: "mss://bucket/key")
    var path: String

    @Option(name: .long, help: "get, put, head or delete.")
    var method: String = "get"

    @Option(name: .long, help: "Seconds until the URL expires (SigV4 allows up to 604800).")
    var expires: Int = 3600

    @Flag(name: .long, help: "A browser upload form (POST policy) instead of a URL; the key may contain ${filename}.")
    var post = false

    @Option(name: .customLong("content-length-range"), help: "With --post: the file's size must be within MIN:MAX bytes.")
    var contentLengthRange: String?

    @Option(name: .customLong("starts-with"), help: "With --post: FIELD=PREFIX, the form may set FIELD to anything starting with PREFIX (repeatable).")
    var startsWith: [String] = []

    @Option(name: .customLong("field"), help: "With --post: NAME=VALUE, a field the form sends and the policy requires (repeatable).")
    var fields: [String] = []

    @Flag(name: .long, help: "With --post: print an HTML page with the form.")
    var html = false

    @Flag(name: .long, help: "With --post: print a curl command that uploads $FILE (the default).")
    var curl = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (bucket, key) = try Location(path).remote("presign")
        guard !key.isEmpty else { throw CLIError.usage("presign takes mss://bucket/key") }
        if post { return try await runPost(bucket: bucket, key: key) }
        guard contentLengthRange == nil, startsWith.isEmpty, fields.isEmpty, !html, !curl else {
            throw CLIError.usage("--content-length-range, --starts-with, --field, --html and --curl go with --post")
        }
        guard let method = PresignMethod(rawValue: method.uppercased()) else { throw CLIError.usage("--method must be get, put, head or delete") }
        guard expires > 0 else { throw CLIError.usage("--expires must be a positive number of seconds") }
        try await Session.run(global) { session in
            let url = try session.bucket(bucket).newKey(key).generateURL(expiresIn: TimeInterval(expires), method: method)
            session.output.result(url.absoluteString, ["url": .string(url.absoluteString), "method": .string(method.rawValue), "expires": .int(expires)])
        }
    }

    private func runPost(bucket: String, key: String) async throws {
        guard expires > 0 else { throw CLIError.usage("--expires must be a positive number of seconds") }
        guard !(html && curl) else { throw CLIError.usage("--html and --curl exclude each other") }
        let conditions = try PresignPost.conditions(range: contentLengthRange, startsWith: startsWith)
        let formFields = try PresignPost.fields(fields)
        let style: PresignPost.Style = html ? .html : .curl
        try await Session.run(global) { session in
            _ = try await session.connection.currentCredentials()
            let form = try session.connection.presignedPost(
                bucket: bucket, key: key, expiry: .after(TimeInterval(expires)), fields: formFields, conditions: conditions)
            let text = style == .html ? form.htmlForm() : PresignPost.curlLine(form)
            var named: [String: JSONValue] = [:]
            for field in form.fields { named[field.name] = .string(field.value) }
            session.output.result(
                text.hasSuffix("\n") ? String(text.dropLast()) : text,
                ["url": .string(form.url.absoluteString), "fields": .object(named), "expires": .int(Int64(expires))])
        }
    }
}

struct DiskUsageCommand: AsyncParsableCommand, SessionCommand {
    static func line(_ bytes: Int64, _ count: Int, _ label: String, inBytes: Bool = false) -> String {
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        return "\(right(inBytes ? String(bytes) : HumanFormat.size(bytes), 9))  \(right(String(count), 7)) object\(count == 1 ? " " : "s")  \(label)"
    }

    static let configuration = CommandConfiguration(commandName: "du", abstract: "Total size and object count under a bucket or prefix, or of every bucket.")

    @Argument(help: "mss://bucket[/prefix]; without it, every bucket.")
    var path: String?

    @Flag(name: .long, help: "Sizes in bytes instead of B/KiB/MiB/GiB.")
    var bytes = false

    @OptionGroup var filters: SelectionOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let selection = try filters.selection()
        try await Session.run(global) { session in
            var targets: [(bucket: String, prefix: String)] = []
            if let path {
                let remote = try Location(path).remote("du")
                targets = [(remote.bucket, remote.key)]
            } else {
                targets = try await session.connection.allBuckets().map { ($0.name, "") }
            }
            var totalBytes: Int64 = 0, totalCount = 0
            for target in targets {
                let location = Location.remote(bucket: target.bucket, key: target.prefix)
                var bytes: Int64 = 0, count = 0
                let scope = try RemoteScope(bucket: target.bucket, key: target.prefix, selection: selection)
                try await session.naming(location) {
                    for try await entry in session.bucket(target.bucket).keys(prefix: scope.listPrefix.isEmpty ? nil : scope.listPrefix) {
                        if case .object(let object) = entry, scope.selects(object.key) {
                            bytes += object.size
                            count += 1
                        }
                    }
                }
                totalBytes += bytes
                totalCount += count
                session.output.result(Self.line(bytes, count, location.description, inBytes: self.bytes), ["path": .string(location.description), "bytes": .int(bytes), "objects": .int(count)])
            }
            if targets.count > 1 {
                session.output.result(Self.line(totalBytes, totalCount, "total", inBytes: self.bytes), ["path": .string("total"), "bytes": .int(totalBytes), "objects": .int(totalCount)])
            }
        }
    }
}
