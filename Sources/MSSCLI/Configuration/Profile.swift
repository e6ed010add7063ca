import Foundation

/// One named set of connection settings in `config.json`. Every field is optional: what a profile
/// leaves out comes from the environment or the defaults.
struct Profile: Codable, Sendable, Equatable {
    var endpoint: String?
    var accessKey: String?
    var secretKey: String?
    /// `v2` or `v4`.
    var signature: String?
    var region: String?
    var imageEndpoint: String?
    /// `path` or `virtual`.
    var addressing: String?

    static let keys = ["endpoint", "access-key", "secret-key", "signature", "region", "image-endpoint", "addressing"]

    subscript(key: String) -> String? {
        get {
            switch key {
            case "endpoint": endpoint
            case "access-key": accessKey
            case "secret-key": secretKey
            case "signature": signature
            case "region": region
            case "image-endpoint": imageEndpoint
            case "addressing": addressing
            default: nil
            }
        }
        set {
            switch key {
            case "endpoint": endpoint = newValue
            case "access-key": accessKey = newValue
            case "secret-key": secretKey = newValue
            case "signature": signature = newValue
            case "region": region = newValue
            case "image-endpoint": imageEndpoint = newValue
            case "addressing": addressing = newValue
            default: break
            }
        }
    }

    /// Checks a value before it is saved, so a typo fails at `config set` and not later.
    static func validate(key: String, value: String) throws {
        switch key {
        case "endpoint", "image-endpoint":
            guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw CLIError.usage("\(key) must be an http:// or https:// URL, such as http://127.0.0.1:9000")
            }
        case "signature":
            guard ["v2", "v4"].contains(value) else { throw CLIError.usage("signature must be v2 or v4") }
        case "addressing":
            guard ["path", "virtual"].contains(value) else { throw CLIError.usage("addressing must be path or virtual") }
        case "access-key", "secret-key", "region":
            guard !value.isEmpty else { throw CLIError.usage("\(key) must not be empty") }
        default:
            throw CLIError.usage("unknown setting '\(key)'; known: \(keys.joined(separator: ", "))")
        }
    }
}

/// `config.json`: the profiles and which one is in use.
struct ProfileFile: Codable, Sendable, Equatable {
    var current: String = "default"
    var profiles: [String: Profile] = [:]

    static func load(from home: MSSHome) throws -> ProfileFile {
        guard let data = FileManager.default.contents(atPath: home.configFile.path) else { return ProfileFile() }
        do {
            return try JSONDecoder().decode(ProfileFile.self, from: data)
        } catch {
            throw CLIError("\(home.configFile.path) is not a valid mss configuration: \(error.localizedDescription)")
        }
    }

    func save(to home: MSSHome) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try home.writePrivate(try encoder.encode(self), to: home.configFile)
    }
}
