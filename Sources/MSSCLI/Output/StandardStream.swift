import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Standard output or standard error, written with `write(2)`. SwiftNIO ignores SIGPIPE, so a
/// reader that went away (`mss ls mss://b/ | head -3`) shows up as EPIPE, which Foundation's
/// `FileHandle.write` turns into a crash. Here it ends the command the way it ends `cat` or
/// `ls`: by SIGPIPE, exit status 141, without a message.
enum StandardStream {
    case output
    case error

    private var descriptor: Int32 { self == .output ? STDOUT_FILENO : STDERR_FILENO }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { write($0) }
    }

    func write(_ data: Data) {
        data.withUnsafeBytes { write($0.bindMemory(to: UInt8.self)) }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = Glibc.write(descriptor, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { Self.readerWentAway() }
                // Anything else (a full disk behind a redirect, say): the output is lost, the
                // command goes on and its status says how the work went.
                return
            }
            next += written
            remaining -= written
        }
    }

    /// Dies of SIGPIPE, as the tools it stands beside do when their reader closes the pipe.
    static func readerWentAway() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        exit(128 + SIGPIPE)
    }
}
