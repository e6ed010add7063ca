import Foundation
import S3Protocol

/// The users file of `mss-server --users FILE`: one user a line,
///
/// ```
/// # comments and blank lines are ignored
/// ACCESS_KEY  SECRET_KEY  [DISPLAY NAME]
/// ```
///
/// fields separated by spaces or tabs; the display name is the rest of the line and defaults to
/// the access key. Access keys are 3 to 128 characters of `A-Z a-z 0-9 . _ ~ + = -` (no `/` or
/// `:`, which would break the Authorization header), secrets 8 to 256 printable ASCII
/// characters, display names up to 128 bytes of UTF-8 without control characters. An access key
/// may appear once. The file holds secrets, so it must not be readable or writable by group or
/// others.
public enum UsersFile {
    /// Far above any real list; keeps a wrong path (a log, an image) from being read whole.
    public static let maximumBytes = 1 << 20
    public static let maximumUsers = 10_000

    /// Reads and parses the file at `path`, refusing it when group or others may read or write it.
    public static func load(path: String) throws(UsersFileError) -> [ServerUser] {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw UsersFileError(path: path, message: "cannot read it: \(error.localizedDescription)")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw UsersFileError(path: path, message: "not a regular file")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw UsersFileError(
                path: path,
                message: "it holds secret keys but group or others may access it (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        if let size = attributes[.size] as? Int, size > maximumBytes {
            throw UsersFileError(path: path, message: "larger than \(maximumBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UsersFileError(path: path, message: "cannot read it")
        }
        guard data.count <= maximumBytes else { throw UsersFileError(path: path, message: "larger than \(maximumBytes) bytes") }
        guard let text = String(data: data, encoding: .utf8) else { throw UsersFileError(path: path, message: "not UTF-8 text") }
        do {
            return try parse(text)
        } catch {
            var error = error
            error.path = path
            throw error
        }
    }

    /// Parses the text of a users file.
    public static func parse(_ text: String) throws(UsersFileError) -> [ServerUser] {
        var users: [ServerUser] = []
        var seen: Set<String> = []
        // Swift reads "\r\n" as one Character, distinct from "\n": both end a line.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let content = line.drop { $0 == " " || $0 == "\t" }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let fail = { (message: String) in UsersFileError(line: number, message: message) }
            let (accessKey, afterKey) = nextField(content)
            let (secretKey, afterSecret) = nextField(afterKey)
            guard !secretKey.isEmpty else { throw fail("expected ACCESS_KEY SECRET_KEY [DISPLAY NAME]") }
            guard (3...128).contains(accessKey.utf8.count), accessKey.utf8.allSatisfy(isAccessKeyByte) else {
                throw fail("the access key must be 3 to 128 characters of A-Z a-z 0-9 . _ ~ + = -")
            }
            // Never quote the secret: error messages end up in terminals and logs.
            guard (8...256).contains(secretKey.utf8.count), secretKey.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw fail("the secret key of \(accessKey) must be 8 to 256 printable ASCII characters")
            }
            var displayName = String(afterSecret.drop { $0 == " " || $0 == "\t" })
            while let last = displayName.last, last == " " || last == "\t" { displayName.removeLast() }
            guard displayName.utf8.count <= 128, !displayName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw fail("the display name of \(accessKey) must be at most 128 bytes without control characters")
            }
            guard seen.insert(String(accessKey)).inserted else { throw fail("the access key \(accessKey) appears twice") }
            guard users.count < maximumUsers else { throw fail("more than \(maximumUsers) users") }
            users.append(
                ServerUser(
                    credentials: Credentials(accessKey: String(accessKey), secretKey: String(secretKey)),
                    displayName: displayName.isEmpty ? nil : displayName))
        }
        return users
    }

    /// The first space- or tab-separated field of `text`, and what follows it.
    private static func nextField(_ text: Substring) -> (field: Substring, rest: Substring) {
        let start = text.drop { $0 == " " || $0 == "\t" }
        let end = start.firstIndex { $0 == " " || $0 == "\t" } ?? start.endIndex
        return (start[..<end], start[end...])
    }

    private static func isAccessKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "-"): true
        default: false
        }
    }
}

/// A users file that cannot be used, with the line at fault when there is one.
public struct UsersFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String?
    public var line: Int?
    public var message: String

    public init(path: String? = nil, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        var where_ = "users file"
        if let path { where_ += " \(path)" }
        if let line { where_ += " line \(line)" }
        return "\(where_): \(message)"
    }
}
