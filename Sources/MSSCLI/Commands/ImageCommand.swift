import ArgumentParser
import Foundation
import MSS

struct ImageCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Fetch an object through the image service: `mss image mss://b/k.jpg --process 30r -o out.jpg`, or print a presigned URL with --url.",
        discussion: "The process string is the '@' grammar: 30r, 100w_100h_1e_1c.png, 90Q, watermark=2&text=BASE64 ...")

    @Argument(help: "mss://bucket/key of the source image")
    var path: String

    @Option(name: [.short, .long], help: "The '@' process string.")
    var process: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the image; - for standard output.")
    var outputFile: String?

    @Flag(name: .long, help: "Print a presigned URL for the processed image instead of fetching it.")
    var url = false

    @Option(name: .long, help: "Seconds until the URL expires.")
    var expires: Int = 3600

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let location = try Location(path)
        let (bucketName, key) = try location.remote("image")
        guard !key.isEmpty else { throw CLIError.usage("image takes mss://bucket/key") }
        guard url || outputFile != nil else { throw CLIError.usage("give -o FILE (or -o - for standard output), or --url") }
        try await Session.run(global) { session in
            let image: ImageKey
            do {
                image = try session.bucket(bucketName).imageKey(key, process: process)
            } catch let error as MSSClientError {
                throw CLIError.usage(error.message)
            }
            if url {
                let link = try image.generateURL(expiresIn: TimeInterval(expires))
                session.output.result(link.absoluteString, ["url": .string(link.absoluteString), "expires": .int(expires)])
                return
            }
            try await session.naming(location) {
                if outputFile == "-" {
                    StandardStream.output.write(try await image.data())
                    return
                }
                let target = outputFile ?? ""
                let info = try await image.contents(toFile: target)
                session.output.result(
                    "wrote \(target) (\(info.contentType ?? "image"), \(HumanFormat.size(info.size))) from \(location)@\(process)",
                    ["source": .string(location.description), "process": .string(process), "file": .string(target),
                     "size": .int(info.size), "contentType": .optional(info.contentType)])
            }
        }
    }
}
