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
            """)

    @OptionGroup var paths: TransferPaths
    @OptionGroup var transfer: TransferOptions

    @Option(name: .customLong("version-id"), parsing: .unconditional, help: "Copy this version of the source object, not its current one.")
    var versionID: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (from, to) = try paths.locations()
        try Session.validate(versionID: versionID)
        if versionID != nil {
            guard from.isRemote else { throw CLIError.usage("--version-id names a version of a remote source (mss://bucket/key)") }
            guard !transfer.recursive else { throw CLIError.usage("--version-id copies one object; it does not go with --recursive") }
        }
        try await Session.run(global) { session in
            _ = try await Copier(session: session, options: transfer, versionID: versionID).copy(from, to: to)
        }
    }
}

struct MoveCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv", abstract: "Move files and objects: copy, then remove each source once it is copied in full.")

    @OptionGroup var paths: TransferPaths
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (from, to) = try paths.locations()
        try await Session.run(global) { session in
            // Copier throws before returning when anything failed, so nothing is removed then.
            let copied = try await Copier(session: session, options: transfer).copy(from, to: to)
            var remote: [String: [String]] = [:]
            for item in copied {
                switch item {
                case .local(let path): try FileManager.default.removeItem(atPath: path)
                case .remote(let bucket, let key): remote[bucket, default: []].append(key)
                }
            }
            for (bucket, keys) in remote {
                let failures = try await session.bucket(bucket).deleteKeys(keys)
                if !failures.isEmpty {
                    throw DirectoryFailures(failures: failures.map { ("mss://\(bucket)/\($0.key)", CLIError("copied but not removed: \($0.code)")) })
                }
            }
            if case .local(let path) = from, transfer.recursive, LocalTree.files(under: path).isEmpty {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }
}
