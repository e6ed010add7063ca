import Foundation
import MSS
import Synchronization

/// `cp`/`mv` from remote to remote through ``RemoteCopy``: one object, or with `--recursive`
/// everything under a prefix, several objects at once, each failure reported by name.
struct RemoteTreeCopy {
    let copier: RemoteCopy
    let output: Output
    let recursive: Bool
    let versionID: String?

    /// Copies and returns the sources copied in full.
    func copy(bucket: String, key: String, toBucket: String, key destinationKey: String) async throws -> [Location] {
        let sameStore = !copier.crossesServers && bucket == toBucket
        if recursive {
            guard versionID == nil else { throw CLIError.usage("--version-id copies one object; it does not go with --recursive") }
            let prefix = Copier.treePrefix(key)
            let targetPrefix = Copier.treePrefix(destinationKey)
            guard !(sameStore && prefix == targetPrefix) else { throw CLIError.usage("source and destination are the same") }
            let objects = try await copier.sourceBucket(bucket).allKeys(prefix: prefix.isEmpty ? nil : prefix).filter { !$0.key.hasSuffix("/") }
            guard !objects.isEmpty else { throw CLIError("nothing under mss://\(bucket)/\(prefix)") }
            let failures = Mutex<[(item: String, error: any Error)]>([])
            let copier = copier
            let copied = try await RemoteCopy.inParallel(objects, limit: max(1, copier.configuration.concurrency / 2)) { object -> String? in
                let target = targetPrefix + object.key.dropFirst(prefix.count)
                do {
                    _ = try await copier.copy(bucket: bucket, key: object.key, versionID: nil, to: toBucket, key: target)
                    return object.key
                } catch {
                    failures.withLock { $0.append(("mss://\(bucket)/\(object.key)", error)) }
                    return nil
                }
            }.compactMap { $0 }.sorted()
            for source in copied {
                let target = "mss://\(toBucket)/\(targetPrefix)\(source.dropFirst(prefix.count))"
                output.result(
                    "copied mss://\(bucket)/\(source) → \(target)",
                    ["action": .string("copy"), "source": .string("mss://\(bucket)/\(source)"), "destination": .string(target)])
            }
            let failed = failures.withLock { $0 }
            if !failed.isEmpty { throw DirectoryFailures(failures: failed) }
            return copied.map { .remote(bucket: bucket, key: $0) }
        }
        guard !key.isEmpty, !key.hasSuffix("/") else { throw CLIError.usage("mss://\(bucket)/\(key) is a prefix; add --recursive") }
        let target = Copier.destinationKey(destinationKey, name: Location.baseName(key))
        guard !(sameStore && key == target && versionID == nil && !copier.settings.replacesHeaders && copier.settings.acl == nil
            && copier.settings.encryption == nil) else {
            throw CLIError.usage("source and destination are the same")
        }
        let result = try await copier.copy(bucket: bucket, key: key, versionID: versionID, to: toBucket, key: target)
        output.result(
            "copied mss://\(bucket)/\(key)\(versionID.map { " (version \($0))" } ?? "") → mss://\(toBucket)/\(target) (\(HumanFormat.size(result.size)))",
            ["action": .string("copy"), "source": .string("mss://\(bucket)/\(key)"), "destination": .string("mss://\(toBucket)/\(target)"),
             "size": .int(result.size), "etag": .optional(result.etag), "versionId": .optional(versionID),
             "serverSide": .bool(!copier.crossesServers)])
        return [.remote(bucket: bucket, key: key)]
    }
}
