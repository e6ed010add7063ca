import ArgumentParser
import Foundation
import MSS

struct FindCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "find", abstract: "Find objects under mss://bucket[/prefix] by name, path, size and age; print them or run a command on each.",
        discussion: """
            Every test given must hold. --name matches the object's base name and --path its whole key (from the \
            bucket's root); both take *, ?, [abc] and [!a-z], and in --path * also crosses /. Sizes are whole bytes \
            or k, M, G, T, P (powers of 1024): --larger 1M takes objects of more than 1,048,576 bytes, --smaller 1M \
            of fewer. Ages are 30s, 10m, 2h, 7d, 4w or sums like 1h30m: --newer-than 7d takes objects modified in the \
            last 7 days, --older-than 7d those modified before.

            --exec runs a program for each object found, {} in its words replaced by mss://bucket/key (added as the \
            last word when there is no {}); there is no shell unless you write sh -c '...'. The objects are not \
            printed then. Exit status 0 when the search ran, found or not; 1 on an error or when a command failed.
            """)

    @Argument(help: "mss://bucket[/prefix], or a wildcard such as mss://bucket/photos/*.jpg")
    var path: String

    @Option(name: .long, help: ArgumentHelp("Base names that match this pattern.", valueName: "pattern"))
    var name: String?

    @Option(name: .customLong("path"), help: ArgumentHelp("Keys that match this pattern (* crosses /).", valueName: "pattern"))
    var keyPattern: String?

    @Option(name: .long, help: ArgumentHelp("Objects of more than this many bytes (10k, 1M, 2G).", valueName: "size"))
    var larger: String?

    @Option(name: .long, help: ArgumentHelp("Objects of fewer than this many bytes.", valueName: "size"))
    var smaller: String?

    @Option(name: .customLong("newer-than"), help: ArgumentHelp("Objects modified less than this long ago (30s, 10m, 2h, 7d, 4w).", valueName: "age"))
    var newerThan: String?

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Objects modified more than this long ago.", valueName: "age"))
    var olderThan: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Run this command for each object; {} is its mss://bucket/key.", valueName: "command"))
    var exec: String?

    @Flag(name: .long, help: "Print only how many objects were found.")
    var count = false

    @OptionGroup var filters: SelectionOptions
    @OptionGroup var global: GlobalOptions

    /// The tests, checked and parsed before anything is listed.
    private struct Tests {
        var name: GlobPattern?
        var path: GlobPattern?
        var larger: Int64?
        var smaller: Int64?
        var newerThan: Date?
        var olderThan: Date?

        func pass(_ object: ObjectSummary) -> Bool {
            if let name, !name.matches(Location.baseName(object.key)) { return false }
            if let path, !path.matches(object.key) { return false }
            if let larger, object.size <= larger { return false }
            if let smaller, object.size >= smaller { return false }
            if newerThan != nil || olderThan != nil {
                guard let modified = object.lastModified else { return false }
                if let newerThan, modified <= newerThan { return false }
                if let olderThan, modified >= olderThan { return false }
            }
            return true
        }
    }

    func run() async throws {
        let location = try Location(path)
        let (bucketName, key) = try location.remote("find")
        let scope = try RemoteScope(bucket: bucketName, key: key, selection: try filters.selection())
        let tests = try self.tests(now: Date())
        let command = try execCommand()
        try await Session.run(global) { session in
            let output = session.output
            var found = 0
            var failures: [(key: String, status: Int32)] = []
            try await session.naming(location) {
                for try await entry in session.bucket(bucketName).keys(prefix: scope.listPrefix.isEmpty ? nil : scope.listPrefix) {
                    guard case .object(let object) = entry, scope.selects(object.key), tests.pass(object) else { continue }
                    found += 1
                    let url = "mss://\(bucketName)/\(object.key)"
                    if let command {
                        let status = try await ChildProcess.run(command.executable, command.arguments(url))
                        if status != 0 { failures.append((url, status)) }
                    } else if !count {
                        output.result(
                            url,
                            ["bucket": .string(bucketName), "key": .string(object.key), "url": .string(url), "size": .int(object.size),
                             "lastModified": .date(object.lastModified), "etag": .optional(object.etag)])
                    }
                }
            }
            if count { output.result(String(found), ["count": .int(found)]) }
            if let first = failures.first {
                throw CLIError("--exec failed for \(failures.count) of \(found) object(s); first \(first.key) (exit status \(first.status))")
            }
        }
    }

    private func tests(now: Date) throws -> Tests {
        func size(_ text: String?, _ option: String) throws -> Int64? {
            guard let text else { return nil }
            guard let bytes = HumanInput.size(text) else {
                throw CLIError.usage("\(option) takes a size such as 4096, 10k, 1M or 2G, not '\(text)'")
            }
            return bytes
        }
        func age(_ text: String?, _ option: String) throws -> Date? {
            guard let text else { return nil }
            guard let seconds = HumanInput.duration(text) else {
                throw CLIError.usage("\(option) takes an age such as 30s, 10m, 2h, 7d or 4w, not '\(text)'")
            }
            return now.addingTimeInterval(-TimeInterval(seconds))
        }
        return Tests(
            name: try name.map { try GlobPattern($0, syntax: .path) }, path: try keyPattern.map { try GlobPattern($0, syntax: .filter) },
            larger: try size(larger, "--larger"), smaller: try size(smaller, "--smaller"),
            newerThan: try age(newerThan, "--newer-than"), olderThan: try age(olderThan, "--older-than"))
    }

    /// The program `--exec` runs and its words.
    private struct ExecCommand {
        var executable: String
        var words: [String]

        func arguments(_ url: String) -> [String] {
            let arguments = words.dropFirst()
            guard arguments.contains(where: { $0.contains("{}") }) else { return arguments + [url] }
            return arguments.map { $0.replacingOccurrences(of: "{}", with: url) }
        }
    }

    private func execCommand() throws -> ExecCommand? {
        guard let exec else { return nil }
        let words: [String]
        do {
            words = try ShellWords.split(exec)
        } catch {
            throw CLIError.usage("--exec: \(error.description)")
        }
        guard let program = words.first else { throw CLIError.usage("--exec needs a command, such as --exec 'echo {}'") }
        guard let executable = ChildProcess.resolve(program) else { throw CLIError.usage("--exec: no program '\(program)' found on PATH") }
        return ExecCommand(executable: executable, words: words)
    }
}
