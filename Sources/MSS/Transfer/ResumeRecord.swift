import Foundation

/// What an interrupted upload needs to continue in another process: the upload id and the parts
/// already stored. Written as JSON next to the work, replaced atomically after every part.
public struct UploadResumeRecord: Codable, Sendable, Hashable {
    public var bucket: String
    public var key: String
    public var uploadID: String
    public var filePath: String
    public var fileSize: Int64
    public var fileModified: Double
    public var partSize: Int64
    /// ETags of finished parts, by part number.
    public var parts: [Int: String]
}

/// What an interrupted download needs to continue: the object it was reading (by version and
/// ETag, so another version or a changed object starts over) and the parts already written to
/// the partial file.
public struct DownloadResumeRecord: Codable, Sendable, Hashable {
    public var bucket: String
    public var key: String
    public var etag: String
    public var size: Int64
    public var partSize: Int64
    public var partialPath: String
    public var finishedParts: Set<Int>
    /// The version asked for; nil for the current one. Part of the match, so parts of one
    /// version never complete a download of another (records written before it decode as nil).
    public var versionID: String? = nil
}

/// Reads and writes resume records; absent or unreadable records mean "start afresh".
enum ResumeFile {
    static func load<Record: Decodable>(_ type: Record.Type, from path: String?) -> Record? {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    static func save<Record: Encodable>(_ record: Record, to path: String?) throws {
        guard let path else { return }
        let data = try JSONEncoder().encode(record)
        let temporary = path + ".tmp-\(UUID().uuidString)"
        try data.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw MSSClientError(.fileError, "cannot write the resume record \(path)")
        }
    }

    static func remove(_ path: String?) {
        guard let path else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
