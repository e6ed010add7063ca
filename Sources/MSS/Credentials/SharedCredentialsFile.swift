public import S3Protocol
import Foundation

/// The AWS shared credentials file: INI sections of `aws_access_key_id`,
/// `aws_secret_access_key` and `aws_session_token`.
public struct SharedCredentialsFile: Sendable, Hashable {
    /// Keys of each section, by profile name.
    public var profiles: [String: [String: String]]

    public init(profiles: [String: [String: String]]) {
        self.profiles = profiles
    }

    /// Parses the file's text. Comments start with `#` or `;`; `[profile name]` is read as
    /// `[name]`, as the AWS config file writes it.
    public init(contents: String) {
        var profiles: [String: [String: String]] = [:]
        var current: String?
        for rawLine in contents.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = name.dropFirst(8).trimmingCharacters(in: .whitespaces) }
                current = name
                profiles[name, default: [:]] = profiles[name, default: [:]]
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            profiles[section, default: [:]][key] = value
        }
        self.profiles = profiles
    }

    public static func load(path: String) throws -> SharedCredentialsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MSSClientError(.missingCredentials, "cannot read the credentials file \(path)")
        }
        return SharedCredentialsFile(contents: String(decoding: data, as: UTF8.self))
    }

    /// The credentials of `profile`.
    public func credentials(profile: String) throws -> Credentials {
        guard let section = profiles[profile] else {
            throw MSSClientError(.missingCredentials, "the credentials file has no profile '\(profile)'")
        }
        guard let access = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw MSSClientError(
                .missingCredentials, "profile '\(profile)' lacks aws_access_key_id or aws_secret_access_key")
        }
        return Credentials(accessKey: access, secretKey: secret, sessionToken: section["aws_session_token"])
    }
}
