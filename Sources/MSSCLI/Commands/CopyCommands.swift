import ArgumentParser
import Foundation
import MSS
import S3Protocol

struct CopyCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy files and objects: local to remote, remote to local, remote to remote.",
        discussion: """
            Big files go multipart, parts in parallel; an interrupted copy continues where it stopped when the same \
            command runs again. A destination ending in / (or an existing directory) receives the source's name.

            --version-id copies an older version of one object (`mss ls --versions` lists them), the same way: \
            parallel parts, progress and resume for downloads, multipart server-side copies above 5 GiB.

            `-` is standard input (cp - mss://bucket/key: one PUT when it ends within a part, else a multipart \
            upload with a few parts in memory, aborted on failure or Ctrl-C) or standard output (cp mss://bucket/key -).

            --content-type, --metadata, --cache-control, --content-disposition and --acl set what uploads and remote \
            copies store; --preserve keeps file modes and times (x-amz-meta-mss-attrs). --source-profile reads a \
            remote source through another profile, for copies between two servers.

            --sse AES256 stores uploads and remote copies encrypted with the server's key (SSE-S3); --sse-c-key \
            (base64 of 32 bytes, or @FILE with the raw bytes) encrypts them with yours (SSE-C) and is the key \
            downloads read with; --sse-c-source-key is the key of the source of a remote copy.
            """)

    @OptionGroup var paths: TransferPaths
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var filters: SelectionOptions

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Copy this version of the source object, not its current one.")
    var versionID: String?

    @OptionGroup var objectSettings: ObjectSettingsOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var sourceProfile: SourceProfileOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (from, to) = try paths.locations()
        try Session.validate(versionID: versionID)
        if versionID != nil {
            guard from.isRemote else { throw CLIError.usage("--version-id names a version of a remote source (mss://bucket/key)") }
            guard !transfer.recursive else { throw CLIError.usage("--version-id copies one object; it does not go with --recursive") }
        }
        var settings = try objectSettings.settings()
        try encryption.apply(to: &settings)
        let selection = try filters.selection()
        try await Session.run(global) { session in
            try await SourceConnection.run(profile: sourceProfile.sourceProfile, session: session) { source in
                _ = try await Copier(session: session, options: transfer, versionID: versionID, selection: selection, settings: settings, source: source).copy(from, to: to)
            }
        }
    }
}

struct MoveCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv", abstract: "Move files and objects: copy, then remove each source once it is copied in full.")

    @OptionGroup var paths: TransferPaths
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var filters: SelectionOptions
    @OptionGroup var objectSettings: ObjectSettingsOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var sourceProfile: SourceProfileOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (from, to) = try paths.locations()
        if from == .local(StandardStreamTransfers.marker) || to == .local(StandardStreamTransfers.marker) {
            throw CLIError.usage("mv does not take '-'; use cp for standard input and output")
        }
        // A copy onto itself with new settings rewrites the object; removing the source then would lose it.
        if from == to, sourceProfile.sourceProfile == nil { throw CLIError.usage("source and destination are the same") }
        var settings = try objectSettings.settings()
        try encryption.apply(to: &settings)
        let selection = try filters.selection()
        try await Session.run(global) { session in
            try await SourceConnection.run(profile: sourceProfile.sourceProfile, session: session) { source in
                // Copier throws before returning when anything failed, so nothing is removed then.
                let copied = try await Copier(session: session, options: transfer, selection: selection, settings: settings, source: source).copy(from, to: to)
                var remote: [String: [String]] = [:]
                for item in copied {
                    switch item {
                    case .local(let path):
                        // unlink(2), not a recursive removal: if a folder took the file's name
                        // since it was sent, the folder stays.
                        if unlink(path) != 0 {
                            let code = errno
                            guard code == ENOENT else { throw CLIError("copied but not removed: \(path): \(String(cString: strerror(code)))") }
                        }
                    case .remote(let bucket, let key): remote[bucket, default: []].append(key)
                    }
                }
                for (bucket, keys) in remote {
                    // Sources read through --source-profile are removed there, not on the destination.
                    let failures = try await (source?.bucket(bucket) ?? session.bucket(bucket)).deleteKeys(keys)
                    if !failures.isEmpty {
                        throw DirectoryFailures(failures: failures.map { ("mss://\(bucket)/\($0.key)", CLIError("copied but not removed: \($0.code)")) })
                    }
                }
                // What the walk left out (links, pipes) stays, and with it its folders.
                if case .local(let path) = from, transfer.recursive {
                    EmptyFolders.remove(emptiedBy: copied.compactMap { if case .local(let file) = $0 { file } else { nil } }, below: path)
                }
            }
        }
    }
}
