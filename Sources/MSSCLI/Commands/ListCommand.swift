import ArgumentParser
import MSS

struct ListCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List buckets, or the keys under mss://bucket[/prefix].")

    @Argument(help: "mss://bucket[/prefix]; without it, the buckets.")
    var path: String?

    @Flag(name: [.short, .long], help: "Every key under the prefix, not one level.")
    var recursive = false

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
            try await session.naming(location) {
                let listing = session.bucket(bucketName).keys(prefix: prefix.isEmpty ? nil : prefix, delimiter: recursive ? nil : "/")
                for try await entry in listing {
                    switch entry {
                    case .commonPrefix(let name):
                        session.output.result(
                            "\(String(repeating: " ", count: 16))  \("PRE".padding(toLength: 9, withPad: " ", startingAt: 0))  \(name)",
                            ["type": .string("prefix"), "key": .string(name)])
                    case .object(let object):
                        let size = HumanFormat.size(object.size)
                        session.output.result(
                            "\(HumanFormat.date(object.lastModified))  \(String(repeating: " ", count: max(0, 9 - size.count)) + size)  \(object.key)",
                            ["type": .string("object"), "key": .string(object.key), "size": .int(object.size),
                             "lastModified": .date(object.lastModified), "etag": .optional(object.etag)])
                    }
                }
            }
        }
    }
}
