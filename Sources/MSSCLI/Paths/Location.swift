import Foundation

/// A command argument: a remote `mss://bucket/key` (`s3://` too) or a local path.
enum Location: Sendable, Equatable, CustomStringConvertible {
    case local(String)
    case remote(bucket: String, key: String)

    init(_ text: String) throws {
        for scheme in ["mss://", "s3://"] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let bucket = rest.prefix { $0 != "/" }
            guard !bucket.isEmpty else { throw CLIError.usage("'\(text)' names no bucket; remote paths look like mss://bucket/key") }
            let key = rest.dropFirst(bucket.count).dropFirst()
            self = .remote(bucket: String(bucket), key: String(key))
            return
        }
        if text.contains("://") { throw CLIError.usage("'\(text)': remote paths start with mss:// or s3://") }
        self = .local(text)
    }

    var isRemote: Bool { if case .remote = self { true } else { false } }

    var description: String {
        switch self {
        case .local(let path): path
        case .remote(let bucket, let key): "mss://\(bucket)/\(key)"
        }
    }

    /// The bucket and key of a remote location; a usage error for a local one.
    func remote(_ role: String) throws -> (bucket: String, key: String) {
        guard case .remote(let bucket, let key) = self else {
            throw CLIError.usage("\(role) must be a remote path such as mss://bucket/key, not '\(self)'")
        }
        return (bucket, key)
    }

    /// The last path component of a key or a path.
    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
