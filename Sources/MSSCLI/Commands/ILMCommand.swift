import ArgumentParser
import Foundation
import MSS
import S3Protocol

/// `mss ilm add|ls|rm|export|import mss://bucket`: a bucket's lifecycle rules, like `mc ilm`,
/// exported and imported in awscli's JSON (`{"Rules": [...]}`).
struct ILMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ilm", abstract: "Manage a bucket's lifecycle rules (expiry of objects, old versions and unfinished uploads).",
        subcommands: [Add.self, List.self, Remove.self, Export.self, Import.self])

    struct Add: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add a rule to the bucket's lifecycle rules.",
            discussion: "Days are S3 days: an object expires at the first midnight UTC after it is that many days old.")

        @Argument(help: "mss://bucket")
        var path: String

        @Option(name: .long, help: "The rule's ID (default: one the server makes).")
        var id: String?

        @Option(name: .long, help: "Only keys starting with PREFIX.")
        var prefix: String?

        @Option(name: .long, help: ArgumentHelp("Only objects with all these tags.", valueName: "K=V&K2=V2"))
        var tags: String?

        @Option(name: .customLong("expire-days"), help: ArgumentHelp("Expire objects N days after they were written.", valueName: "N"))
        var expireDays: Int?

        @Option(name: .customLong("expire-date"), help: ArgumentHelp("Expire objects from this day on (midnight UTC).", valueName: "YYYY-MM-DD"))
        var expireDate: String?

        @Flag(name: .customLong("expire-delete-marker"), help: "Remove delete markers that no longer hide any version.")
        var expireDeleteMarker = false

        @Option(
            name: .customLong("noncurrent-expire-days"),
            help: ArgumentHelp("Remove versions N days after they stopped being current (versioned buckets).", valueName: "N"))
        var noncurrentExpireDays: Int?

        @Option(
            name: .customLong("newer-noncurrent-versions"),
            help: ArgumentHelp("With --noncurrent-expire-days: keep this many of the newest noncurrent versions.", valueName: "N"))
        var newerNoncurrentVersions: Int?

        @Option(
            name: .customLong("abort-uploads-days"),
            help: ArgumentHelp("Abort multipart uploads still unfinished N days after they started.", valueName: "N"))
        var abortUploadsDays: Int?

        @Flag(name: .long, help: "Add the rule disabled.")
        var disabled = false

        @OptionGroup var global: GlobalOptions

        func rule() throws -> LifecycleRule {
            let days = try expireDays.map { try ILMCommand.days($0, "--expire-days") }
            let date = try expireDate.map(ILMCommand.day)
            let expirations = (days == nil ? 0 : 1) + (date == nil ? 0 : 1) + (expireDeleteMarker ? 1 : 0)
            guard expirations <= 1 else { throw CLIError.usage("give one of --expire-days, --expire-date and --expire-delete-marker") }
            let noncurrent = try noncurrentExpireDays.map { try ILMCommand.days($0, "--noncurrent-expire-days") }
            if let newer = newerNoncurrentVersions {
                guard noncurrent != nil else { throw CLIError.usage("--newer-noncurrent-versions goes with --noncurrent-expire-days") }
                guard (1...100).contains(newer) else { throw CLIError.usage("--newer-noncurrent-versions must be 1 to 100") }
            }
            let abort = try abortUploadsDays.map { try ILMCommand.days($0, "--abort-uploads-days") }
            guard expirations + (noncurrent == nil ? 0 : 1) + (abort == nil ? 0 : 1) > 0 else {
                throw CLIError.usage(
                    "give an action: --expire-days, --expire-date, --expire-delete-marker, --noncurrent-expire-days or --abort-uploads-days")
            }
            let tagList = try tags.map(ILMCommand.tags) ?? []
            if !tagList.isEmpty && (abort != nil || expireDeleteMarker) {
                throw CLIError.usage("S3 refuses tags with --abort-uploads-days and --expire-delete-marker")
            }
            if let id, id.isEmpty || id.count > 255 { throw CLIError.usage("--id must be 1 to 255 characters") }
            return LifecycleRule(
                id: id, status: disabled ? .disabled : .enabled, filter: .init(prefix: prefix, tags: tagList),
                expiration: expirations == 0 ? nil : .init(days: days, date: date, expiredObjectDeleteMarker: expireDeleteMarker ? true : nil),
                noncurrentVersionExpiration: noncurrent.map { .init(noncurrentDays: $0, newerNoncurrentVersions: newerNoncurrentVersions) },
                abortIncompleteMultipartUploadDays: abort)
        }

        func run() async throws {
            let bucket = try ILMCommand.bucketName(path, "ilm add")
            let rule = try rule()
            try await Session.run(global) { session in
                let handle = session.bucket(bucket)
                let existing = try await handle.lifecycle()?.rules ?? []
                if let id = rule.id, existing.contains(where: { $0.id == id }) {
                    throw CLIError("mss://\(bucket) already has a lifecycle rule with ID '\(id)'; remove it first (mss ilm rm --id)")
                }
                try await handle.setLifecycle(LifecycleConfiguration(rules: existing + [rule]))
                // The server names a rule sent without an ID: report the name it chose.
                let before = Swift.Set(existing.compactMap(\.id))
                var id = rule.id ?? ""
                if rule.id == nil {
                    id = try await handle.lifecycle()?.rules.compactMap(\.id).first { !before.contains($0) } ?? ""
                }
                session.output.result(
                    "added lifecycle rule '\(id)' to mss://\(bucket)",
                    ["type": .string("ilm"), "bucket": .string(bucket), "action": .string("added"), "ID": .string(id)])
            }
        }
    }

    struct List: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the bucket's lifecycle rules as a table (or JSON with --json).")

        @Argument(help: "mss://bucket")
        var path: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try ILMCommand.bucketName(path, "ilm ls")
            try await Session.run(global) { session in
                let rules = try await session.bucket(bucket).lifecycle()?.rules ?? []
                session.output.result(
                    ILMCommand.table(rules), ["type": .string("ilm"), "bucket": .string(bucket), "Rules": .array(rules.map(ILMCommand.json))])
                if rules.isEmpty { session.output.note("mss://\(bucket) has no lifecycle rules") }
            }
        }
    }

    struct Remove: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one lifecycle rule (--id) or all of them (--all).")

        @Argument(help: "mss://bucket")
        var path: String

        @Option(name: .long, help: "The ID of the rule to remove.")
        var id: String?

        @Flag(name: .long, help: "Remove every rule.")
        var all = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try ILMCommand.bucketName(path, "ilm rm")
            guard (id == nil) != !all else { throw CLIError.usage("give --id ID or --all") }
            try await Session.run(global) { session in
                let handle = session.bucket(bucket)
                if let id {
                    let rules = try await handle.lifecycle()?.rules ?? []
                    guard rules.contains(where: { $0.id == id }) else { throw CLIError("mss://\(bucket) has no lifecycle rule with ID '\(id)'") }
                    let left = rules.filter { $0.id != id }
                    if left.isEmpty {
                        try await handle.deleteLifecycle()
                    } else {
                        try await handle.setLifecycle(LifecycleConfiguration(rules: left))
                    }
                    session.output.result(
                        "removed lifecycle rule '\(id)' from mss://\(bucket)",
                        ["type": .string("ilm"), "bucket": .string(bucket), "action": .string("removed"), "ID": .string(id)])
                } else {
                    try await handle.deleteLifecycle()
                    session.output.result(
                        "removed every lifecycle rule of mss://\(bucket)",
                        ["type": .string("ilm"), "bucket": .string(bucket), "action": .string("removed-all")])
                }
            }
        }
    }

    struct Export: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the bucket's lifecycle rules as awscli's JSON ({\"Rules\": [...]}) to FILE or standard output.")

        @Argument(help: "mss://bucket")
        var path: String

        @Argument(help: "Where to write (default: standard output).")
        var file: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try ILMCommand.bucketName(path, "ilm export")
            try await Session.run(global) { session in
                guard let rules = try await session.bucket(bucket).lifecycle()?.rules else {
                    throw CLIError("mss://\(bucket) has no lifecycle rules")
                }
                let text = JSONValue.object(["Rules": .array(rules.map(ILMCommand.json))]).rendered + "\n"
                if let file, file != "-" {
                    guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else { throw CLIError("cannot write '\(file)'") }
                    session.output.result(
                        "exported \(rules.count) lifecycle rule(s) of mss://\(bucket) to \(file)",
                        ["type": .string("ilm"), "bucket": .string(bucket), "action": .string("exported"), "rules": .int(rules.count)])
                } else {
                    StandardStream.output.write(text)
                }
            }
        }
    }

    struct Import: AsyncParsableCommand, SessionCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Replace the bucket's lifecycle rules with those of FILE (awscli's JSON; default standard input).")

        @Argument(help: "mss://bucket")
        var path: String

        @Argument(help: "A file holding {\"Rules\": [...]} (default or -: standard input).")
        var file: String?

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let bucket = try ILMCommand.bucketName(path, "ilm import")
            let source = file ?? "-"
            let rules = try ILMCommand.parse(try CORSCommand.read(source), source: source == "-" ? "standard input" : source)
            try await Session.run(global) { session in
                try await session.bucket(bucket).setLifecycle(LifecycleConfiguration(rules: rules))
                session.output.result(
                    "imported \(rules.count) lifecycle rule(s) into mss://\(bucket)",
                    ["type": .string("ilm"), "bucket": .string(bucket), "action": .string("imported"), "rules": .int(rules.count)])
            }
        }
    }

    static func bucketName(_ path: String, _ role: String) throws -> String {
        let (bucket, key) = try Location(path).remote(role)
        guard key.isEmpty else { throw CLIError.usage("\(role) takes a bucket (mss://bucket), not a key") }
        return bucket
    }

    /// A day count from the command line or a file: 1 to S3's 32-bit limit.
    static func days(_ value: Int, _ name: String) throws -> Int {
        guard value >= 1, value <= Int(Int32.max) else { throw CLIError.usage("\(name) must be a whole number of days from 1 to \(Int32.max)") }
        return value
    }

    /// `2030-01-31` as that day's midnight UTC; also the same day written as ISO 8601 at midnight
    /// (`2030-01-31T00:00:00Z`, `…+00:00`, as awscli prints it).
    static func day(_ text: String) throws -> Date {
        var candidate = text
        if candidate.hasSuffix("+00:00") { candidate = String(candidate.dropLast(6)) + "Z" }
        if candidate.utf8.count == 10 { candidate += "T00:00:00Z" }
        guard let date = HTTPDate.parseISO8601(candidate) else {
            throw CLIError.usage("'\(text.prefix(40))' is not a date: write YYYY-MM-DD")
        }
        guard date.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) == 0 else {
            throw CLIError.usage("'\(text.prefix(40))' is not a midnight UTC, which S3 requires of an expiry date")
        }
        return date
    }

    /// `K=V&K2=V2`, as `mc ilm --tags` takes them.
    static func tags(_ text: String) throws -> [LifecycleRule.Tag] {
        try text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw CLIError.usage("--tags takes KEY=VALUE pairs joined by '&', not '\(pair)'") }
            return LifecycleRule.Tag(key: String(parts[0]), value: String(parts[1]))
        }
    }

    // MARK: awscli's JSON

    static func json(_ rule: LifecycleRule) -> JSONValue {
        var fields: [String: JSONValue] = ["Status": .string(rule.status.rawValue)]
        if let id = rule.id { fields["ID"] = .string(id) }
        if let filter = rule.filter {
            var conditions: [String: JSONValue] = [:]
            if let prefix = filter.prefix { conditions["Prefix"] = .string(prefix) }
            let tags = filter.tags.map { JSONValue.object(["Key": .string($0.key), "Value": .string($0.value)]) }
            if let size = filter.objectSizeGreaterThan { conditions["ObjectSizeGreaterThan"] = .int(size) }
            if let size = filter.objectSizeLessThan { conditions["ObjectSizeLessThan"] = .int(size) }
            if filter.usesAnd || conditions.count + tags.count > 1 {
                if !tags.isEmpty { conditions["Tags"] = .array(tags) }
                fields["Filter"] = .object(["And": .object(conditions)])
            } else {
                if let tag = tags.first { conditions["Tag"] = tag }
                fields["Filter"] = .object(conditions)
            }
        } else {
            fields["Prefix"] = .string(rule.prefix ?? "")
        }
        if let expiration = rule.expiration {
            var action: [String: JSONValue] = [:]
            if let days = expiration.days { action["Days"] = .int(days) }
            if let date = expiration.date { action["Date"] = .string(HTTPDate.iso8601(date)) }
            if let marker = expiration.expiredObjectDeleteMarker { action["ExpiredObjectDeleteMarker"] = .bool(marker) }
            fields["Expiration"] = .object(action)
        }
        if let noncurrent = rule.noncurrentVersionExpiration {
            var action: [String: JSONValue] = [:]
            if let days = noncurrent.noncurrentDays { action["NoncurrentDays"] = .int(days) }
            if let newer = noncurrent.newerNoncurrentVersions { action["NewerNoncurrentVersions"] = .int(newer) }
            fields["NoncurrentVersionExpiration"] = .object(action)
        }
        if let days = rule.abortIncompleteMultipartUploadDays {
            fields["AbortIncompleteMultipartUpload"] = .object(["DaysAfterInitiation": .int(days)])
        }
        return .object(fields)
    }

    /// The rules of `{"Rules": [...]}` (also `{"LifecycleConfiguration": {...}}` or a bare
    /// list), field by field, refusing what it does not know rather than dropping it.
    static func parse(_ data: Data, source: String) throws -> [LifecycleRule] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CLIError("'\(source)' is not JSON: \(error.localizedDescription)")
        }
        var list: Any? = value
        if let object = value as? [String: Any] {
            list = ((object["LifecycleConfiguration"] as? [String: Any]) ?? object)["Rules"]
        }
        guard let rules = list as? [Any] else { throw CLIError("'\(source)' has no \"Rules\" list") }
        guard !rules.isEmpty, rules.count <= LifecycleConfiguration.maximumRules else {
            throw CLIError("'\(source)' must hold 1 to \(LifecycleConfiguration.maximumRules) rules")
        }
        return try rules.enumerated().map { index, item in
            let place = "rule \(index + 1) of '\(source)'"
            guard let rule = item as? [String: Any] else { throw CLIError("\(place) is not an object") }
            return try self.rule(rule, place: place)
        }
    }

    private static func rule(_ rule: [String: Any], place: String) throws -> LifecycleRule {
        if rule["Transitions"] != nil || rule["NoncurrentVersionTransitions"] != nil {
            throw CLIError("\(place) has transitions: mss ilm carries expirations only (mss-server has one storage class)")
        }
        try known(rule, ["ID", "Status", "Filter", "Prefix", "Expiration", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"], place)
        guard let status = (rule["Status"] as? String).flatMap(LifecycleRule.Status.init(rawValue:)) else {
            throw CLIError("\(place): \"Status\" must be \"Enabled\" or \"Disabled\"")
        }
        var result = LifecycleRule(id: try string(rule["ID"], "ID", place), status: status, filter: nil)
        result.prefix = try string(rule["Prefix"], "Prefix", place)
        if let filter = rule["Filter"] {
            guard let filter = filter as? [String: Any] else { throw CLIError("\(place): \"Filter\" must be an object") }
            result.filter = try self.filter(filter, place: place)
        } else if result.prefix == nil {
            result.filter = .init()
        }
        if let expiration = try object(rule["Expiration"], "Expiration", place) {
            try known(expiration, ["Days", "Date", "ExpiredObjectDeleteMarker"], place)
            var marker: Bool?
            if let value = expiration["ExpiredObjectDeleteMarker"] {
                guard let number = value as? NSNumber, isBoolean(number) else { throw CLIError("\(place): \"ExpiredObjectDeleteMarker\" must be true or false") }
                marker = number.boolValue
            }
            result.expiration = .init(
                days: try number(expiration["Days"], "Days", place), date: try (string(expiration["Date"], "Date", place)).map(day),
                expiredObjectDeleteMarker: marker)
        }
        if let noncurrent = try object(rule["NoncurrentVersionExpiration"], "NoncurrentVersionExpiration", place) {
            try known(noncurrent, ["NoncurrentDays", "NewerNoncurrentVersions"], place)
            result.noncurrentVersionExpiration = .init(
                noncurrentDays: try number(noncurrent["NoncurrentDays"], "NoncurrentDays", place),
                newerNoncurrentVersions: try number(noncurrent["NewerNoncurrentVersions"], "NewerNoncurrentVersions", place))
        }
        if let abort = try object(rule["AbortIncompleteMultipartUpload"], "AbortIncompleteMultipartUpload", place) {
            try known(abort, ["DaysAfterInitiation"], place)
            result.abortIncompleteMultipartUploadDays = try number(abort["DaysAfterInitiation"], "DaysAfterInitiation", place)
        }
        return result
    }

    private static func filter(_ filter: [String: Any], place: String) throws -> LifecycleRule.Filter {
        try known(filter, ["Prefix", "Tag", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "And"], place)
        if let and = try object(filter["And"], "And", place) {
            guard filter.count == 1 else { throw CLIError("\(place): a \"Filter\" holds \"And\" or one condition") }
            try known(and, ["Prefix", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"], place)
            var tags: [LifecycleRule.Tag] = []
            if let list = and["Tags"] {
                guard let list = list as? [Any] else { throw CLIError("\(place): \"Tags\" must be a list") }
                tags = try list.map { try tag($0, place) }
            }
            return .init(
                prefix: try string(and["Prefix"], "Prefix", place), tags: tags,
                objectSizeGreaterThan: try size(and["ObjectSizeGreaterThan"], "ObjectSizeGreaterThan", place),
                objectSizeLessThan: try size(and["ObjectSizeLessThan"], "ObjectSizeLessThan", place), usesAnd: true)
        }
        return .init(
            prefix: try string(filter["Prefix"], "Prefix", place), tags: try filter["Tag"].map { [try tag($0, place)] } ?? [],
            objectSizeGreaterThan: try size(filter["ObjectSizeGreaterThan"], "ObjectSizeGreaterThan", place),
            objectSizeLessThan: try size(filter["ObjectSizeLessThan"], "ObjectSizeLessThan", place), usesAnd: false)
    }

    private static func known(_ object: [String: Any], _ names: Swift.Set<String>, _ place: String) throws {
        if let unknown = object.keys.sorted().first(where: { !names.contains($0) }) {
            throw CLIError("\(place) has an unknown field \"\(unknown.prefix(60))\"")
        }
    }

    private static func object(_ value: Any?, _ name: String, _ place: String) throws -> [String: Any]? {
        guard let value else { return nil }
        guard let object = value as? [String: Any] else { throw CLIError("\(place): \"\(name)\" must be an object") }
        return object
    }

    private static func string(_ value: Any?, _ name: String, _ place: String) throws -> String? {
        guard let value else { return nil }
        guard let text = value as? String else { throw CLIError("\(place): \"\(name)\" must be a string") }
        return text
    }

    /// A whole number as JSON gives it; the server judges its range, so zero and negative
    /// values reach it and get S3's own answer.
    private static func number(_ value: Any?, _ name: String, _ place: String) throws -> Int? {
        guard let value else { return nil }
        guard let number = value as? NSNumber, !isBoolean(number), let exact = Int(exactly: number.doubleValue),
            abs(exact) <= Int(Int32.max)
        else { throw CLIError("\(place): \"\(name)\" must be a whole number") }
        return exact
    }

    /// JSON's true and false: Foundation reads them as NSNumbers of type `c` (on Linux, `is
    /// Bool` also holds for the numbers 0 and 1).
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func size(_ value: Any?, _ name: String, _ place: String) throws -> Int64? {
        guard let value else { return nil }
        guard let number = value as? NSNumber, !isBoolean(number), let exact = Int64(exactly: number.doubleValue), exact >= 0,
            exact <= S3Limits.maximumObjectSize
        else { throw CLIError("\(place): \"\(name)\" must be a size in bytes") }
        return exact
    }

    private static func tag(_ value: Any, _ place: String) throws -> LifecycleRule.Tag {
        guard let tag = value as? [String: Any], let key = tag["Key"] as? String, let value = tag["Value"] as? String, tag.count == 2 else {
            throw CLIError("\(place): a tag is {\"Key\": ..., \"Value\": ...}")
        }
        return .init(key: key, value: value)
    }

    // MARK: The table

    /// A cell with control characters shown as `?`, so a hostile rule ID cannot drive the terminal.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }

    static func table(_ rules: [LifecycleRule]) -> String {
        let header = ["ID", "STATUS", "PREFIX", "TAGS", "EXPIRES", "NONCURRENT", "ABORT UPLOADS"]
        let rows = rules.map { rule -> [String] in
            var expires = "-"
            if let days = rule.expiration?.days { expires = "\(days)d" }
            if let date = rule.expiration?.date { expires = String(HTTPDate.iso8601(date).prefix(10)) }
            if rule.expiration?.expiredObjectDeleteMarker == true { expires = "delete markers" }
            var noncurrent = rule.noncurrentVersionExpiration?.noncurrentDays.map { "\($0)d" } ?? "-"
            if let keep = rule.noncurrentVersionExpiration?.newerNoncurrentVersions { noncurrent += " (keep \(keep))" }
            var prefix = rule.effectivePrefix.isEmpty ? "*" : rule.effectivePrefix
            if let greater = rule.filter?.objectSizeGreaterThan { prefix += " >\(greater)B" }
            if let less = rule.filter?.objectSizeLessThan { prefix += " <\(less)B" }
            let tags = rule.effectiveTags.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            return [
                rule.id ?? "", rule.status.rawValue, prefix, tags.isEmpty ? "-" : tags, expires, noncurrent,
                rule.abortIncompleteMultipartUploadDays.map { "\($0)d" } ?? "-",
            ].map(printable)
        }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
