import ArgumentParser
import Foundation

struct RunCommand: AsyncParsableCommand, SessionCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run mss commands from a file (or - for standard input), one a line, several at once.",
        discussion: """
            Each line is an mss command without the leading `mss` (`cp a.jpg mss://b/`); blank lines and lines \
            starting with # are skipped. Words split as in sh: '...' and "..." quote, \\ escapes; there are no \
            variables, globs or pipes. Every line is checked before any runs: a line mss cannot parse (an unclosed \
            quote, an unknown command or option) stops the run with exit status 2 and nothing done.

            Lines run as separate mss processes, --concurrency at a time; each line's output is shown whole once it \
            ends, in the order lines finish. --endpoint, the keys, --signature, --region, --profile, --json, --quiet \
            and --debug given to run apply to every line. At the end a summary on standard error (with --json, \
            {"type":"summary",...} on standard output); exit status 1 when any line failed, naming the lines.
            """)

    @Argument(help: "A file of mss commands, one a line; - reads standard input.")
    var file: String

    @Option(name: .long, help: "Lines running at once (default 8, at most 256).")
    var concurrency = 8

    @OptionGroup var global: GlobalOptions

    /// One line's command, numbered as in the file.
    private struct Line: Sendable {
        var number: Int
        var arguments: [String]
    }

    private struct Finished: Sendable {
        var number: Int
        var status: Int32
        var problem: String?
        var output: FileHandle?
        var error: FileHandle?
    }

    func run() async throws {
        guard (1...256).contains(concurrency) else { throw CLIError.usage("--concurrency must be from 1 to 256") }
        let (source, copy) = try openInput()
        let count = try check(source, copyingTo: copy)
        let input = copy ?? source
        let output = global.output
        guard count > 0 else {
            output.note("run: \(file == "-" ? "standard input" : file) holds no commands")
            if output.json { output.result("", ["type": .string("summary"), "ok": .int(0), "failed": .int(0), "failedLines": .array([])]) }
            return
        }
        do {
            try input.seek(toOffset: 0)
        } catch {
            throw CLIError("cannot read \(file) a second time: \(error.localizedDescription)")
        }
        let executable = try EmbeddedServer.ownExecutable()
        let environment = childEnvironment()
        var reader = LineReader(input)
        var ok = 0
        var failedLines: [Int] = []
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var running = 0
            func show(_ done: Finished) {
                if let handle = done.output { ChildProcess.replay(handle, to: .output) }
                if let handle = done.error { ChildProcess.replay(handle, to: .error) }
                if done.status == 0 {
                    ok += 1
                } else {
                    failedLines.append(done.number)
                    if let problem = done.problem { output.error("line \(done.number): \(problem)") }
                    if !output.quiet { StandardStream.error.write("mss: run: line \(done.number) failed (exit status \(done.status))\n") }
                }
            }
            var number = 0
            while let text = try Self.read(&reader, file: file) {
                number += 1
                guard let words = try Self.words(text, number: number) else { continue }
                if running >= concurrency, let done = try await group.next() {
                    show(done)
                    running -= 1
                }
                let line = Line(number: number, arguments: childArguments(words))
                group.addTask { await Self.execute(line, executable: executable, environment: environment) }
                running += 1
            }
            for try await done in group { show(done) }
        }
        let failed = failedLines.count
        if output.json {
            output.result(
                "", ["type": .string("summary"), "ok": .int(ok), "failed": .int(failed), "failedLines": .array(failedLines.sorted().map { .int($0) })])
        }
        guard failed == 0 else {
            let shown = failedLines.sorted().prefix(20).map(String.init).joined(separator: ", ") + (failed > 20 ? ", ..." : "")
            throw CLIError("run: \(ok) ok, \(failed) failed (line\(failed == 1 ? "" : "s") \(shown))")
        }
        output.note("run: \(ok) ok, 0 failed")
    }

    /// Where the lines come from, and the file to read them again from: a regular file is read
    /// twice; standard input or a pipe (`mss run <(generate)`) is copied to a scratch file as it is
    /// checked (nil then: the copy is the second).
    private func openInput() throws -> (source: FileHandle, copy: FileHandle?) {
        if file == "-" { return (FileHandle.standardInput, try ChildProcess.scratchFile()) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else { throw CLIError("\(file) does not exist") }
        guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: file) else { throw CLIError("cannot read \(file)") }
        let regular = (try? FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType) == .typeRegular
        return (handle, regular ? nil : try ChildProcess.scratchFile())
    }

    /// Parses every line as mss would, before anything runs; returns how many commands there are.
    /// Lines are copied into `copy` on the way, when there is one.
    private func check(_ source: FileHandle, copyingTo copy: FileHandle?) throws -> Int {
        var reader = LineReader(source)
        var number = 0
        var commands = 0
        // ArgumentParser takes milliseconds a line; lines of one shape parse alike, so each shape is
        // parsed once. What differs within a shape is option values, which the line's own run checks.
        var shapes = Set<[String]>()
        while let text = try Self.read(&reader, file: file) {
            number += 1
            if let copy {
                do {
                    try copy.write(contentsOf: Data((text + "\n").utf8))
                } catch {
                    throw CLIError("cannot keep the lines of \(file == "-" ? "standard input" : file) in a temporary file: \(error.localizedDescription)")
                }
            }
            guard let words = try Self.words(text, number: number) else { continue }
            let arguments = childArguments(words)
            let shape = Self.shape(arguments)
            if shapes.contains(shape) {
                commands += 1
                continue
            }
            do {
                try Self.parse(arguments, number: number)
                if shapes.count < 10_000 { shapes.insert(shape) }
            } catch let error as CLIError {
                throw error
            } catch {
                if MSSCommand.exitCode(for: error) != .success {
                    throw CLIError.usage("line \(number): \(MSSCommand.message(for: error)) (\(text.trimmingCharacters(in: .whitespaces)))")
                }
            }
            commands += 1
        }
        return commands
    }

    /// Parses a line as its command would, without running it. Only that command's arguments are
    /// parsed (parsing from the root builds every command's, ten times the work on long files).
    private static func parse(_ arguments: [String], number: Int) throws {
        guard let name = arguments.first,
            let command = MSSCommand.configuration.subcommands.first(where: { $0.configuration.commandName == name })
        else {
            _ = try MSSCommand.parseAsRoot(arguments)
            return
        }
        if command == RunCommand.self { throw CLIError.usage("line \(number): run does not run itself") }
        _ = try command.parseAsRoot(Array(arguments.dropFirst()))
    }

    /// The command's name (and a subcommand's), each option's name, and a blank for every other word.
    private static func shape(_ arguments: [String]) -> [String] {
        let nested = arguments.first.flatMap { name in
            MSSCommand.configuration.subcommands.first { $0.configuration.commandName == name }
        }.map { !$0.configuration.subcommands.isEmpty } ?? false
        return arguments.enumerated().map { index, word in
            if index == 0 || (index == 1 && nested) { return word }
            guard word.hasPrefix("-"), word.count > 1 else { return "" }
            return String(word.prefix { $0 != "=" })
        }
    }

    private static func read(_ reader: inout LineReader, file: String) throws -> String? {
        do {
            return try reader.next()
        } catch .tooLong {
            throw CLIError.usage("\(file == "-" ? "standard input" : file) has a line longer than \(LineReader.maximumLength) bytes")
        } catch .notText {
            throw CLIError.usage("\(file == "-" ? "standard input" : file) is not UTF-8 text")
        } catch .unreadable {
            throw CLIError("cannot read \(file == "-" ? "standard input" : file)")
        }
    }

    /// A line's words; nil for a blank line or a comment.
    private static func words(_ text: String, number: Int) throws -> [String]? {
        let words: [String]
        do {
            words = try ShellWords.split(text)
        } catch {
            throw CLIError.usage("line \(number): \(error.description)")
        }
        guard let first = words.first else { return nil }
        if first == "mss" { throw CLIError.usage("line \(number): leave out the leading `mss`") }
        return words
    }

    /// A line's words with the output flags given to `run` (before a `--`, which ends options).
    private func childArguments(_ words: [String]) -> [String] {
        var extra: [String] = []
        if global.json, !words.contains("--json") { extra.append("--json") }
        if global.quiet, !words.contains("--quiet"), !words.contains("-q") { extra.append("--quiet") }
        if global.debug, !words.contains("--debug") { extra.append("--debug") }
        var arguments = words
        arguments.insert(contentsOf: extra, at: words.firstIndex(of: "--") ?? words.endIndex)
        return arguments
    }

    /// The connection options given to `run`, passed on as the environment variables they stand
    /// for, so a line's own flags still win.
    private func childEnvironment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        let given: [(String, String?)] = [
            ("MSS_ENDPOINT", global.endpoint), ("MSS_ACCESS_KEY", global.accessKey), ("MSS_SECRET_KEY", global.secretKey),
            ("MSS_SIGNATURE", global.signature), ("MSS_REGION", global.region), ("MSS_IMAGE_ENDPOINT", global.imageEndpoint),
            ("MSS_PROFILE", global.profile),
        ]
        for case let (name, value?) in given { environment[name] = value }
        return environment
    }

    private static func execute(_ line: Line, executable: String, environment: [String: String]) async -> Finished {
        do {
            let output = try ChildProcess.scratchFile(), error = try ChildProcess.scratchFile()
            let status = try await ChildProcess.run(executable, line.arguments, environment: environment, output: output, error: error)
            return Finished(number: line.number, status: status, output: output, error: error)
        } catch {
            return Finished(number: line.number, status: 1, problem: ErrorDescription.describe(error, debug: false))
        }
    }
}
