import ArgumentParser
import Foundation
import MSS

/// `--sse-c-key`: an SSE-C key, for commands that read objects stored with one (`cat`, `stat`).
struct CustomerKeyOption: ParsableArguments {
    @Option(
        name: .customLong("sse-c-key"),
        help: ArgumentHelp("The SSE-C key the object is stored with: base64 of 32 bytes, or @FILE holding the 32 raw bytes.", valueName: "key"))
    var sseCKey: String?

    func key() throws -> CustomerKey? {
        try sseCKey.map { try Self.parse($0, flag: "--sse-c-key") }
    }

    /// A key from the command line: `@FILE` (exactly 32 raw bytes) or base64. Errors never repeat
    /// the key.
    static func parse(_ text: String, flag: String) throws -> CustomerKey {
        if text.hasPrefix("@") {
            let path = String(text.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError.usage("\(flag) @\(path): cannot read the file")
            }
            guard data.count == 32 else {
                throw CLIError.usage("\(flag) @\(path) holds \(data.count) bytes; an SSE-C key file holds exactly 32 raw bytes")
            }
            return try CustomerKey(data)
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CLIError.usage("\(flag) must be base64 of 32 bytes, or @FILE with the 32 raw bytes (the value given is not base64)")
        }
        guard data.count == 32 else {
            throw CLIError.usage("\(flag) must be base64 of 32 bytes, or @FILE with the 32 raw bytes (the value given decodes to \(data.count) bytes)")
        }
        return try CustomerKey(data)
    }
}

/// `--sse`, `--sse-c-key` and `--sse-c-source-key` of the copying commands (`cp`, `mv`, `sync`).
struct EncryptionOptions: ParsableArguments {
    @Option(name: .customLong("sse"), help: ArgumentHelp("Encrypt what is written to the server with its own key: AES256 (SSE-S3).", valueName: "AES256"))
    var sse: String?

    @Option(
        name: .customLong("sse-c-key"),
        help: ArgumentHelp(
            "SSE-C: base64 of 32 bytes, or @FILE with the 32 raw bytes. Uploads and remote copies are encrypted with it; downloads read objects stored with it.",
            valueName: "key"))
    var sseCKey: String?

    @Option(
        name: .customLong("sse-c-source-key"),
        help: ArgumentHelp("For remote copies: the SSE-C key the source objects are stored with (base64 or @FILE).", valueName: "key"))
    var sseCSourceKey: String?

    /// Adds the encryption to `settings`; `--sse` with `--sse-c-key`, or anything but AES256, is a usage error.
    func apply(to settings: inout ObjectSettings) throws {
        if let sse {
            guard sse == "AES256" else {
                throw CLIError.usage("--sse takes AES256 (SSE-S3); SSE-KMS is not supported, and SSE-C is --sse-c-key")
            }
            guard sseCKey == nil else { throw CLIError.usage("--sse and --sse-c-key are two kinds of encryption; give one") }
            settings.encryption = .s3
            settings.sseFlag = "--sse"
        }
        if let sseCKey {
            let key = try CustomerKeyOption.parse(sseCKey, flag: "--sse-c-key")
            settings.encryption = .customer(key: key)
            settings.readKey = key
        }
        settings.sourceKey = try sseCSourceKey.map { try CustomerKeyOption.parse($0, flag: "--sse-c-source-key") }
    }
}
