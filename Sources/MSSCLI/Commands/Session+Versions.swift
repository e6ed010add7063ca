import MSS
import S3Protocol

/// Reaching one version of an object (`--version-id`), and saying in plain words why a version,
/// or a key whose latest version is a delete marker, cannot be read.
extension Session {
    /// Refuses an empty `--version-id`, which S3 would take as the current version.
    static func validate(versionID: String?) throws {
        if let versionID, versionID.isEmpty { throw CLIError.usage("--version-id must not be empty") }
    }

    /// Runs `body`, a read of version `versionID` of `location` (the current one when nil), with
    /// S3's answers in plain words: no such version, a delete marker, a deleted key.
    func naming<Result>(_ location: Location, versionID: String?, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as S3Error {
            guard !output.debug, case .remote = location else { throw error }
            switch (error.status, error.code, versionID) {
            case (405, _, let versionID?):
                throw CLIError("version \(versionID) of \(location) is a delete marker: it has no content")
            case (_, .noSuchVersion, _), (404, .noSuchKey, _):
                throw await missing(location, versionID: versionID)
            case (400, .invalidArgument, let versionID?):
                throw CLIError("the server refused version id '\(versionID)' of \(location): \(error.message ?? "not a version id")")
            default:
                return try await naming(location) { throw error }
            }
        }
    }

    /// The error for version `versionID` of `location` (the current one when nil) not being
    /// there: a key whose latest version is a delete marker is said to be deleted, with where its
    /// kept versions are.
    func missing(_ location: Location, versionID: String?) async -> CLIError {
        if let versionID {
            // Servers that answer 404 rather than S3's 405 for a delete marker named by id
            // (Ceph RGW): the version listing says what the version is.
            if case .remote(let bucket, let key) = location,
                let found = try? await version(bucket: bucket, key: key, versionID: versionID), found.isDeleteMarker
            {
                return CLIError("version \(versionID) of \(location) is a delete marker: it has no content")
            }
            return CLIError("\(location) has no version \(versionID)")
        }
        if case .remote(let bucket, let key) = location, !key.isEmpty,
            let latest = try? await firstVersion(bucket: bucket, key: key, where: { _ in true }), latest.isDeleteMarker
        {
            return CLIError(
                "\(location) was deleted: its latest version is delete marker \(latest.versionID); "
                    + "`mss ls --versions \(location)` lists the versions kept")
        }
        return CLIError("\(location) does not exist")
    }

    /// Version `versionID` of `key` (a version or a delete marker) as the version listing shows
    /// it, or nil.
    func version(bucket: String, key: String, versionID: String) async throws -> ObjectVersion? {
        try await firstVersion(bucket: bucket, key: key, where: { $0.versionID == versionID })
    }

    /// The newest version of exactly `key` that `matches`, or nil.
    func firstVersion(bucket: String, key: String, where matches: (ObjectVersion) -> Bool) async throws -> ObjectVersion? {
        // Versions come by key, newest first, and `key` sorts before every other key it begins.
        for try await case .version(let version) in self.bucket(bucket).versions(prefix: key) {
            guard version.key == key else { return nil }
            if matches(version) { return version }
        }
        return nil
    }
}
