import ArgumentParser
import MSS
import Foundation

struct ListCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List buckets, or the keys under mss://bucket[/prefix].",
        discussion: """
            With --versions, every version and delete marker under the prefix: date, size ("(deleted)" for a delete \
            marker), "latest" on each key's current one, version id and key; each key's versions newest first.
            """)

    @Argument(help: "mss://bucket[/prefix]; without it, the buckets.")
    var path: String?

    @Flag(name: [.short, .long], help: "Every key under the prefix, not one level.")
    var recursive = false

    @Flag(name: .long, help: "Every version and delete marker, not only the current objects.")
    var versions = false

    @Flag(name: .long, help: "Sizes in bytes instead of B/KiB/MiB/GiB.")
    var bytes = false

    @Flag(name: [.short, .customLong("long")], help: "The long form (date, size, key): the only form; accepted for people used to ls -l.")
    var long = false

    @OptionGroup var filters: SelectionOptions
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Session.run(global) { session in
            guard let path else {
                for bucket in try await session.connection.allBuckets() {
                    session.output.result(
                        "\(HumanFormat.date(bucket.creationDate))  \(bucket.name)/",
                        ["type": .string("bucket"), "name": .string(bucket.name), "created": .date(bucket.creationDate)])
                }
                return
            }
            let location = try Location(path)
            let (bucketName, prefix) = try location.remote("ls")
            let scope = try RemoteScope(bucket: bucketName, key: prefix, selection: try filters.selection())
            try await session.naming(location) {
                if versions {
                    try await listVersions(session.bucket(bucketName), scope: scope, output: session.output)
                    return
                }
                let listing = session.bucket(bucketName).keys(
                    prefix: scope.listPrefix.isEmpty ? nil : scope.listPrefix, delimiter: recursive || scope.isWildcard ? nil : "/")
                for try await entry in listing {
                    switch entry {
                    case .commonPrefix(let name):
                        guard scope.selectsPrefix(name) else { continue }
                        session.output.result(
                            "\(String(repeating: " ", count: 16))  \("PRE".padding(toLength: 9, withPad: " ", startingAt: 0))  \(name)",
                            ["type": .string("prefix"), "key": .string(name)])
                    case .object(let object):
                        guard scope.selects(object.key) else { continue }
                        let size = bytes ? String(object.size) : HumanFormat.size(object.size)
                        session.output.result(
                            "\(HumanFormat.date(object.lastModified))  \(String(repeating: " ", count: max(0, 9 - size.count)) + size)  \(object.key)",
                            ["type": .string("object"), "key": .string(object.key), "size": .int(object.size),
                             "lastModified": .date(object.lastModified), "etag": .optional(object.etag)])
                    }
                }
            }
        }
    }

    private func listVersions(_ bucket: Bucket, scope: RemoteScope, output: Output) async throws {
        let listing = bucket.versions(
            prefix: scope.listPrefix.isEmpty ? nil : scope.listPrefix, delimiter: recursive || scope.isWildcard ? nil : "/")
        for try await entry in listing {
            switch entry {
            case .commonPrefix(let name):
                guard scope.selectsPrefix(name) else { continue }
                output.result(
                    "\(String(repeating: " ", count: 16))  \("PRE".padding(toLength: 9, withPad: " ", startingAt: 0))  "
                        + "\(String(repeating: " ", count: 6))  \(String(repeating: " ", count: 32))  \(name)",
                    ["type": .string("prefix"), "key": .string(name)])
            case .version(let version):
                guard scope.selects(version.key) else { continue }
                let size = version.isDeleteMarker ? "(deleted)" : bytes ? String(version.size ?? 0) : HumanFormat.size(version.size ?? 0)
                let id = version.versionID.count < 32 ? version.versionID.padding(toLength: 32, withPad: " ", startingAt: 0) : version.versionID
                output.result(
                    "\(HumanFormat.date(version.lastModified))  \(String(repeating: " ", count: max(0, 9 - size.count)) + size)  "
                        + "\(version.isLatest ? "latest" : "      ")  \(id)  \(version.key)",
                    ["type": .string(version.isDeleteMarker ? "deleteMarker" : "version"), "key": .string(version.key),
                     "versionId": .string(version.versionID), "latest": .bool(version.isLatest),
                     "deleteMarker": .bool(version.isDeleteMarker), "size": version.size.map { .int($0) } ?? .null,
                     "lastModified": .date(version.lastModified), "etag": .optional(version.etag)])
            }
        }
    }
}
