/// The naming rules S3 enforces, checked before any request is sent (client) or any file is
/// touched (server).
public enum NameRules {
    public static let maximumKeyBytes = 1024

    /// Why `name` is not a valid bucket name, or nil when it is. These are S3's rules for new
    /// buckets: 3 to 63 characters of lower-case letters, digits, `.` and `-`, starting and ending
    /// with a letter or digit, no `..`, not an IP address.
    public static func bucketNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else {
            return "bucket name '\(name)' must be 3 to 63 characters long"
        }
        for byte in bytes {
            let allowed =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "-")
            if !allowed {
                return "bucket name '\(name)' may contain only lower-case letters, digits, '.' and '-'"
            }
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return "bucket name '\(name)' must start and end with a letter or digit"
        }
        if name.contains("..") || name.contains(".-") || name.contains("-.") {
            return "bucket name '\(name)' must not contain '..', '.-' or '-.'"
        }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) {
            return "bucket name '\(name)' must not be formatted as an IP address"
        }
        if name.hasPrefix("xn--") || name.hasSuffix("-s3alias") {
            return "bucket name '\(name)' uses a reserved prefix or suffix"
        }
        return nil
    }

    /// Why `key` is not a valid object key, or nil when it is: non-empty, at most 1,024 bytes of
    /// UTF-8.
    public static func keyProblem(_ key: String) -> String? {
        if key.isEmpty { return "object key must not be empty" }
        let count = key.utf8.count
        if count > maximumKeyBytes {
            return "object key is \(count) bytes long; the limit is \(maximumKeyBytes)"
        }
        return nil
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
