import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program run to its end without blocking a thread of the async pool while it runs:
/// `find --exec` and the lines of `mss run`. No shell is involved; the program gets its arguments
/// as they are, standard input from /dev/null, and default signal handling (this process ignores
/// SIGPIPE for SwiftNIO, which a program would otherwise inherit, so `yes | head` would not end).
enum ChildProcess {
    /// How it ended: the exit status, or 128 + the signal that killed it, as shells report it.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, output: FileHandle? = nil, error: FileHandle? = nil
    ) async throws -> Int32 {
        #if os(Linux)
        let pid = try spawn(executable, arguments, environment: environment, output: output, error: error)
        return await withCheckedContinuation { continuation in
            // waitpid blocks; a thread of its own keeps it away from the async pool.
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    guard errno == EINTR else {
                        continuation.resume(returning: 1)
                        return
                    }
                }
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 &+ signal)
            }
        }
        #else
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
        #endif
    }

    #if os(Linux)
    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]?, output: FileHandle?, error: FileHandle?
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        if let output { posix_spawn_file_actions_adddup2(&actions, output.fileDescriptor, STDOUT_FILENO) }
        if let error { posix_spawn_file_actions_adddup2(&actions, error.fileDescriptor, STDERR_FILENO) }

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                guard let argvStart = argvBuffer.baseAddress, let envpStart = envpBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, &attributes, argvStart, envpStart)
            }
        }
        guard result == 0 else { throw CLIError("cannot run \(executable): \(String(cString: strerror(result)))") }
        return pid
    }
    #endif

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

    /// An unlinked temporary file, to hold a child's output until it can be shown whole. Closed on
    /// exec, so the other children running meanwhile do not hold it open.
    static func scratchFile() throws -> FileHandle {
        var template = Array((NSTemporaryDirectory() + "/mss-run-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard descriptor >= 0 else { throw CLIError("cannot make a temporary file in \(NSTemporaryDirectory())") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { buffer in
            if let path = buffer.baseAddress { _ = unlink(path) }
        }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Copies what a scratch file holds to `stream`, a block at a time.
    static func replay(_ file: FileHandle, to stream: StandardStream) {
        // The throwing calls: the old ones trap on an I/O error.
        guard (try? file.seek(toOffset: 0)) != nil else { return }
        while let block = try? file.read(upToCount: 1 << 16), !block.isEmpty {
            stream.write(block)
        }
    }
}
