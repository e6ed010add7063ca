import Foundation

/// A program run to its end without blocking a thread while it runs: `find --exec` and the lines
/// of `mss run`. No shell is involved; the program gets its arguments as they are.
enum ChildProcess {
    /// How it ended: the exit status, or 128 + the signal that killed it, as shells report it.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: FileHandle? = nil, error: FileHandle? = nil
    ) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        if let output { process.standardOutput = output }
        if let error { process.standardError = error }
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { ended in
                let status = ended.terminationStatus
                continuation.resume(returning: ended.terminationReason == .uncaughtSignal ? 128 &+ status : status)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: CLIError("cannot run \(executable): \(error.localizedDescription)"))
            }
        }
    }

    /// `name` as a program to run: itself when it has a `/`, else the first executable of that name
    /// on `PATH`.
    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return String(candidate) }
        }
        return nil
    }

    /// An unlinked temporary file, to hold a child's output until it can be shown whole.
    static func scratchFile() throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/mss-run-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw CLIError("cannot make a temporary file in \(NSTemporaryDirectory())") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Copies what a scratch file holds to `stream`, a block at a time.
    static func replay(_ file: FileHandle, to stream: StandardStream) {
        file.seek(toFileOffset: 0)
        while true {
            let block = file.readData(ofLength: 1 << 16)
            if block.isEmpty { break }
            stream.write(block)
        }
    }
}
