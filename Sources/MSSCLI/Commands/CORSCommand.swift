import ArgumentParser
import Foundation
import MSS
import S3Protocol

/// `mss cors get|set|rm mss://bucket [FILE]`: a bucket's CORS rules, read and written in
/// awscli's JSON (`{"CORSRules": [...]}`) or as the S3 XML document.
struct CORSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cors", abstract: "Show, set or remove a bucket's CORS rules.",
        subcommands: [Get.self, Set.self, Remove.self])

    struct Get: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Print the bucket's CORS rules as JSON that `mss cors set` (and awscli) accept.")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try CORSCommand.bucketName(path, "cors get")
            try await Session.run(global) { session in
                guard let rules = try await session.bucket(bucket).cors() else {
                    throw CLIError("bucket '\(bucket)' has no CORS configuration")
                }
                let document = JSONValue.array(rules.map(CORSCommand.json))
                session.output.result(
                    CORSCommand.pretty(rules), ["type": .string("cors"), "bucket": .string(bucket), "CORSRules": document])
            }
        }
    }

    struct Set: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Replace the bucket's CORS rules with those of FILE (JSON or XML; - reads standard input).")

        @Argument(help: "mss://bucket")
        var path: String

        @Argument(help: "A file holding {\"CORSRules\": [...]} as awscli writes it, or a <CORSConfiguration> document.")
        var file: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try CORSCommand.bucketName(path, "cors set")
            let rules = try CORSCommand.parse(try CORSCommand.read(file), source: file)
            try await Session.run(global) { session in
                try await session.bucket(bucket).setCORS(rules)
                session.output.result(
                    "set \(rules.count) CORS rule(s) on mss://\(bucket)",
                    ["type": .string("cors"), "bucket": .string(bucket), "action": .string("set"), "rules": .int(rules.count)])
            }
        }
    }

    struct Remove: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove the bucket's CORS rules.")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try CORSCommand.bucketName(path, "cors rm")
            try await Session.run(global) { session in
                try await session.bucket(bucket).deleteCORS()
                session.output.result(
                    "removed the CORS rules of mss://\(bucket)", ["type": .string("cors"), "bucket": .string(bucket), "action": .string("removed")])
            }
        }
    }

    static func bucketName(_ path: String, _ role: String) throws -> String {
        let (bucket, key) = try Location(path).remote(role)
        guard key.isEmpty else { throw CLIError.usage("\(role) takes a bucket (mss://bucket), not a key") }
        return bucket
    }

    /// Largest rules file read: S3's 64 KB document, with room for JSON's spelling.
    static let maximumFileSize = 1 << 20

    static func read(_ file: String) throws -> Data {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readData(ofLength: maximumFileSize + 1)
        } else {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read '\(file)'") }
            defer { try? handle.close() }
            data = handle.readData(ofLength: maximumFileSize + 1)
        }
        guard data.count <= maximumFileSize else { throw CLIError("'\(file)' is larger than \(maximumFileSize) bytes: not a CORS configuration") }
        return data
    }

    /// The rules of an awscli JSON document (`{"CORSRules": [...]}`, also wrapped in
    /// `{"CORSConfiguration": ...}` or given as the bare list) or of the S3 XML document.
    static func parse(_ data: Data, source: String) throws -> [CORSRule] {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<") {
            do {
                return try CORSConfiguration(bytes: Array(text.utf8)).rules.map {
                    CORSRule(
                        id: $0.id, allowedOrigins: $0.allowedOrigins, allowedMethods: $0.allowedMethods.map(CORSRule.Method.init(rawValue:)),
                        allowedHeaders: $0.allowedHeaders, exposeHeaders: $0.exposeHeaders, maxAgeSeconds: $0.maxAgeSeconds)
                }
            } catch {
                throw CLIError("'\(source)' is not a CORS configuration: \(error)")
            }
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw CLIError("'\(source)' is neither JSON nor XML: \(error.localizedDescription)")
        }
        var list: Any? = value
        if let object = value as? [String: Any] {
            let configuration = (object["CORSConfiguration"] as? [String: Any]) ?? object
            list = configuration["CORSRules"]
        }
        guard let rules = list as? [Any] else { throw CLIError("'\(source)' has no \"CORSRules\" list") }
        return try rules.enumerated().map { index, item in
            guard let rule = item as? [String: Any] else { throw CLIError("rule \(index + 1) of '\(source)' is not an object") }
            func strings(_ name: String) throws -> [String] {
                guard let value = rule[name] else { return [] }
                guard let list = value as? [String] else { throw CLIError("\"\(name)\" of rule \(index + 1) must be a list of strings") }
                return list
            }
            let known: Swift.Set = ["ID", "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposeHeaders", "MaxAgeSeconds"]
            if let unknown = rule.keys.sorted().first(where: { !known.contains($0) }) {
                throw CLIError("rule \(index + 1) of '\(source)' has an unknown field \"\(unknown)\"")
            }
            var maxAge: Int?
            if let value = rule["MaxAgeSeconds"] {
                guard let number = value as? NSNumber, let exact = Int(exactly: number.doubleValue), exact >= 0, exact <= Int(Int32.max)
                else { throw CLIError("\"MaxAgeSeconds\" of rule \(index + 1) must be a whole number of seconds") }
                maxAge = exact
            }
            if let id = rule["ID"], !(id is String) { throw CLIError("\"ID\" of rule \(index + 1) must be a string") }
            return CORSRule(
                id: rule["ID"] as? String, allowedOrigins: try strings("AllowedOrigins"),
                allowedMethods: try strings("AllowedMethods").map(CORSRule.Method.init(rawValue:)),
                allowedHeaders: try strings("AllowedHeaders"), exposeHeaders: try strings("ExposeHeaders"), maxAgeSeconds: maxAge)
        }
    }

    static func json(_ rule: CORSRule) -> JSONValue {
        var fields: [String: JSONValue] = [
            "AllowedOrigins": .array(rule.allowedOrigins.map { .string($0) }),
            "AllowedMethods": .array(rule.allowedMethods.map { .string($0.rawValue) }),
        ]
        if let id = rule.id { fields["ID"] = .string(id) }
        if !rule.allowedHeaders.isEmpty { fields["AllowedHeaders"] = .array(rule.allowedHeaders.map { .string($0) }) }
        if !rule.exposeHeaders.isEmpty { fields["ExposeHeaders"] = .array(rule.exposeHeaders.map { .string($0) }) }
        if let maxAge = rule.maxAgeSeconds { fields["MaxAgeSeconds"] = .int(maxAge) }
        return .object(fields)
    }

    /// The rules as indented JSON, one rule per block, which `mss cors set` reads back.
    static func pretty(_ rules: [CORSRule]) -> String {
        let blocks = rules.map { rule -> String in
            guard case .object(let fields) = json(rule) else { return "" }
            let order = ["ID", "AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposeHeaders", "MaxAgeSeconds"]
            let lines = order.compactMap { name in fields[name].map { "      \(JSONValue.string(name).rendered): \($0.rendered)" } }
            return "    {\n" + lines.joined(separator: ",\n") + "\n    }"
        }
        return "{\n  \"CORSRules\": [\n" + blocks.joined(separator: ",\n") + "\n  ]\n}"
    }
}
