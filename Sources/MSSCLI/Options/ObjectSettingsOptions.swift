import ArgumentParser
import MSS
import S3Protocol

/// How `cp`, `mv` and `sync` store what they write: content headers, user metadata, a canned ACL,
/// and with `--preserve` the local file's mode and times.
struct ObjectSettingsOptions: ParsableArguments {
    @Option(name: .customLong("content-type"), help: "The Content-Type to store (instead of the one guessed from the name).")
    var contentType: String?

    @Option(name: .customLong("metadata"), help: ArgumentHelp("User metadata as NAME=VALUE (x-amz-meta-NAME); repeatable.", valueName: "name=value"))
    var metadata: [String] = []

    @Option(name: .customLong("cache-control"), help: "The Cache-Control header to store, such as 'max-age=3600'.")
    var cacheControl: String?

    @Option(name: .customLong("content-disposition"), help: "The Content-Disposition header to store, such as 'attachment'.")
    var contentDisposition: String?

    @Option(name: .customLong("acl"), help: "A canned ACL: \(CannedACL.allCases.map(\.rawValue).joined(separator: ", ")).")
    var acl: String?

    @Flag(name: .long, help: "Keep file modes and times: stored in x-amz-meta-mss-attrs on upload, restored on download.")
    var preserve = false

    @Option(name: .customLong("tags"), help: ArgumentHelp("Tags for what is written, as x-amz-tagging has them: KEY=VALUE&KEY=VALUE, URL-encoded.", valueName: "k=v&..."))
    var tags: String?

    /// The settings, checked: a bad name, a duplicate name or an unknown ACL is a usage error.
    func settings() throws -> ObjectSettings {
        var parsed: [String: String] = [:]
        for item in metadata {
            guard let equals = item.firstIndex(of: "=") else {
                throw CLIError.usage("--metadata takes NAME=VALUE, not '\(item)'")
            }
            let name = String(item[..<equals]).lowercased()
            let value = String(item[item.index(after: equals)...])
            try Self.check(name: name, in: item)
            try Self.check(value: value, of: name)
            guard parsed[name] == nil else { throw CLIError.usage("--metadata names '\(name)' twice") }
            if preserve && name == PreservedAttributes.metadataName {
                throw CLIError.usage("--metadata \(name) is what --preserve writes; give one or the other")
            }
            parsed[name] = value
        }
        var chosenACL: CannedACL?
        if let acl {
            guard let known = CannedACL(rawValue: acl) else {
                throw CLIError.usage("--acl must be one of \(CannedACL.allCases.map(\.rawValue).joined(separator: ", ")), not '\(acl)'")
            }
            chosenACL = known
        }
        for (flag, value) in [("--content-type", contentType), ("--cache-control", cacheControl), ("--content-disposition", contentDisposition)] {
            if let value { try Self.check(value: value, of: flag) }
        }
        var settings = ObjectSettings(
            contentType: contentType, metadata: metadata.isEmpty ? nil : parsed, cacheControl: cacheControl,
            contentDisposition: contentDisposition, acl: chosenACL, preserve: preserve)
        if let tags { settings.tags = try Self.tagSet(tags) }
        return settings
    }

    /// `--tags` as a tag set: a URL query of KEY=VALUE pairs, keys given once. The server checks
    /// S3's other rules.
    private static func tagSet(_ text: String) throws -> TagSet {
        guard !text.isEmpty, let parsed = TagRules.parseHeader(text) else {
            throw CLIError.usage("--tags takes KEY=VALUE&KEY=VALUE (URL-encoded), not '\(text)'")
        }
        guard parsed.allSatisfy({ !$0.key.isEmpty }), Set(parsed.map(\.key)).count == parsed.count else {
            throw CLIError.usage("--tags '\(text)' has an empty or repeated key")
        }
        return TagSet(parsed.map { TagSet.Tag(key: $0.key, value: $0.value) })
    }

    /// Metadata names travel as header names: letters, digits, `-`, `_` and `.` keep them the same
    /// on every server (S3 lower-cases them; others drop or refuse the rest).
    private static func check(name: String, in item: String) throws {
        guard !name.isEmpty else { throw CLIError.usage("--metadata '\(item)' has no name before '='") }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == "."
        }
        guard allowed else {
            throw CLIError.usage("--metadata name '\(name)' may hold only letters, digits, '-', '_' and '.'")
        }
    }

    /// Header values must be printable ASCII: a line break would end the header, and servers
    /// differ on what they do with other bytes.
    private static func check(value: String, of name: String) throws {
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else {
            throw CLIError.usage("the value of \(name) must be printable ASCII (no line breaks or control characters)")
        }
    }
}

/// Checked object settings, and the `PutOptions` they make for each kind of write.
struct ObjectSettings: Sendable {
    var contentType: String?
    /// Nil when `--metadata` was not given (so a copy keeps the source's); else the new metadata.
    var metadata: [String: String]?
    var cacheControl: String?
    var contentDisposition: String?
    var acl: CannedACL?
    var preserve: Bool
    /// How uploads and remote copies are encrypted (`--sse`, `--sse-c-key`).
    var encryption: ServerSideEncryption? = nil
    /// `--sse` when it was given: it means nothing for local files.
    var sseFlag: String? = nil
    /// The SSE-C key of objects read from the server (`--sse-c-key`).
    var readKey: CustomerKey? = nil
    /// The SSE-C key of the sources of remote copies (`--sse-c-source-key`).
    var sourceKey: CustomerKey? = nil
    /// The tags of what is written (`--tags`); nil keeps a copy's source tags.
    var tags: TagSet? = nil

    static let none = ObjectSettings(preserve: false)

    /// Whether a remote copy must rewrite the object's headers (CopyObject with REPLACE) rather than
    /// keep them. An ACL alone travels with a plain copy.
    var replacesHeaders: Bool {
        contentType != nil || metadata != nil || cacheControl != nil || contentDisposition != nil
    }

    /// The first flag given that only means something for objects written to a server, for
    /// refusing it on downloads rather than ignoring it.
    var serverSideFlag: String? {
        if contentType != nil { return "--content-type" }
        if metadata != nil { return "--metadata" }
        if cacheControl != nil { return "--cache-control" }
        if contentDisposition != nil { return "--content-disposition" }
        if acl != nil { return "--acl" }
        if tags != nil { return "--tags" }
        return sseFlag
    }

    /// For uploading the file at `path`: its guessed type unless one was given, and with
    /// `--preserve` its mode and times.
    func putOptions(forFile path: String) -> PutOptions {
        var options = PutOptions(
            contentType: contentType ?? ContentType.guess(path), metadata: metadata ?? [:], acl: acl,
            cacheControl: cacheControl, contentDisposition: contentDisposition, serverSideEncryption: encryption, tags: tags)
        if preserve, let attributes = PreservedAttributes(ofFile: path) {
            options.metadata[PreservedAttributes.metadataName] = attributes.encoded
        }
        return options
    }

    /// For a stream with no name (standard input): the server's default type unless one was given.
    var streamOptions: PutOptions {
        PutOptions(
            contentType: contentType, metadata: metadata ?? [:], acl: acl, cacheControl: cacheControl,
            contentDisposition: contentDisposition, serverSideEncryption: encryption, tags: tags)
    }

    /// For a copy of an object described by `source`: its headers and metadata, with what was given
    /// in their place.
    func putOptions(copying source: ObjectInfo) -> PutOptions {
        PutOptions(
            contentType: contentType ?? source.contentType, metadata: metadata ?? source.metadata, acl: acl,
            cacheControl: cacheControl ?? source.cacheControl, contentDisposition: contentDisposition ?? source.contentDisposition,
            contentEncoding: source.contentEncoding, contentLanguage: source.contentLanguage, serverSideEncryption: encryption,
            tags: tags)
    }
}
