import Foundation
import S3Protocol

/// Everything in a data directory, read without changing a byte: the buckets, objects and uploads
/// the server loads, and every file it cannot trust.
///
/// Both the server's start (which then repairs) and `mss-server --check` (which only reports) go
/// through this, so the report says exactly what a start would do. Garbage is only what is
/// provably garbage: files in `.mss/tmp`, and data files whose own key's metadata is readable and
/// names another version. The data of a write cut between its bytes and its first metadata (a
/// key with no metadata file at all, now or set aside) is moved to `.mss/damaged`, kept but out of
/// the bucket. Anything else that cannot be explained is kept in place.
struct StoreScan: Sendable {
    /// A metadata file that does not decode or contradicts where it lies.
    struct DamagedFile: Sendable, Hashable {
        var path: String
        var reason: String
    }

    struct Bucket: Sendable {
        var stored: StoredBucket
        /// The bucket's keys, when the scan keeps them (``Objects/keep``).
        var objects: [String: StoredKey] = [:]
        /// How many keys the scan read, kept or not.
        var objectCount = 0
        /// Why bucket.json must be written afresh (damaged or missing), nil when it is fine.
        var rebuildReason: String?
        /// Data files in this bucket without readable metadata, which a bucket delete must not
        /// take with it.
        var keptFiles = 0
    }

    struct Upload: Sendable {
        var record: MultipartUploadRecord
        var parts: [Int: PartRecord] = [:]
    }

    let root: URL
    var buckets: [String: Bucket] = [:]
    var uploads: [String: Upload] = [:]
    var damaged: [DamagedFile] = []
    /// Data files no readable metadata accounts for: kept, since they may be all that is left of
    /// an object whose metadata was damaged.
    var unreferencedData: [String] = []
    /// Data files named for a key that has no metadata file, damaged or set aside: what a write
    /// cut before its first metadata leaves. A start moves them to `.mss/damaged`.
    var interruptedWrites: [String] = []
    /// Data files of versions replaced by a later write, and parts replaced by a later upload of
    /// the same number: safe to delete.
    var superseded: [String] = []
    var temporary: [String] = []
    var uploadsWithoutRecord: [String] = []
    /// Bucket folders with objects but no bucket.json: loaded as private buckets.
    var bucketsWithoutMetadata: [String] = []
    /// Bucket folders with neither bucket.json nor objects (an interrupted create): ignored.
    var bucketFoldersWithoutMetadata: [String] = []
    /// Metadata whose data file is absent: loaded, so the key can be deleted or overwritten.
    var missingData: [String] = []
    var futureFormat: [FutureFormatError] = []
    /// Files moved to `.mss/damaged` by earlier starts.
    var setAside: [String] = []
    /// A scan without objects found a bucket folder that may hold objects but has no bucket.json.
    var needsObjects = false

    /// Whether a scan without objects is enough for a start: no bucket needs its objects read
    /// to be restored, and nothing in the buckets' own records is damaged or of a newer format.
    var isCompleteWithoutObjects: Bool {
        !needsObjects && damaged.isEmpty && futureFormat.isEmpty && buckets.values.allSatisfy { $0.rebuildReason == nil }
    }


    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    /// What a scan does with the keys it reads.
    enum Objects {
        /// Reads no document or data file of an object: a start whose index can be trusted. A
        /// bucket folder without bucket.json is then listed in ``bucketFoldersWithoutMetadata``,
        /// or sets ``needsObjects`` when it may hold objects.
        case skip
        /// Keeps them in each bucket's ``Bucket/objects``.
        case keep
        /// Hands them over a shard at a time and keeps none: a rebuild of the index, which then
        /// never holds every key in memory.
        case stream((_ bucket: String, _ keys: [StoredKey]) -> Void)
    }

    /// Reads everything under `root`, the objects as `objects` says.
    init(root: URL, objects: Objects = .keep) {
        self.root = root
        temporary = Self.entries(root.appendingPathComponent(".mss/tmp")).map(\.path)
        setAside = Self.entries(root.appendingPathComponent(".mss/damaged")).map(\.path)
        for directory in Self.entries(root.appendingPathComponent("buckets")) {
            scanBucket(directory, objects: objects)
        }
        for directory in Self.entries(root.appendingPathComponent(".mss/uploads")) {
            scanUpload(directory)
        }
    }

    /// Problems a start would repair or an operator should look at; zero for a clean directory.
    var problemCount: Int {
        damaged.count + unreferencedData.count + interruptedWrites.count + superseded.count + temporary.count + uploadsWithoutRecord.count
            + bucketsWithoutMetadata.count + bucketFoldersWithoutMetadata.count + missingData.count + futureFormat.count
    }

    // MARK: Buckets and objects

    private mutating func scanBucket(_ directory: URL, objects mode: Objects) {
        let name = directory.lastPathComponent
        guard NameRules.bucketNameProblem(name) == nil, Self.isDirectory(directory) else { return }
        var objects: [String: StoredKey] = [:]
        var objectCount = 0
        var keptFiles = 0
        let scanObjects: Bool
        if case .skip = mode { scanObjects = false } else { scanObjects = true }
        let shards = scanObjects ? Self.entries(directory.appendingPathComponent("objects")) : []
        for shard in shards where Self.isDirectory(shard) {
            let (found, kept) = scanShard(shard, relativePath: "buckets/\(name)/objects/\(shard.lastPathComponent)")
            objectCount += found.count
            keptFiles += kept
            switch mode {
            case .skip: break
            case .keep: objects.merge(found) { first, _ in first }
            case .stream(let receive): receive(name, Array(found.values))
            }
        }
        let metadataURL = directory.appendingPathComponent("bucket.json")
        var rebuildReason: String?
        var stored: StoredBucket
        switch decode(StoredBucket.self, at: metadataURL) {
        case .decoded(let bucket) where bucket.name == name:
            stored = bucket
        case .decoded(let bucket):
            damaged.append(DamagedFile(path: metadataURL.path, reason: "it names bucket \(bucket.name) but lies in \(name)"))
            rebuildReason = "bucket.json was damaged"
            stored = Self.defaultBucket(name, directory: directory)
        case .damaged(let reason):
            damaged.append(DamagedFile(path: metadataURL.path, reason: reason))
            rebuildReason = "bucket.json was damaged"
            stored = Self.defaultBucket(name, directory: directory)
        case .missing:
            if !scanObjects && !Self.entries(directory.appendingPathComponent("objects")).isEmpty {
                // Objects may be all that is left of this bucket: only a full scan can tell.
                needsObjects = true
            }
            guard objectCount > 0 || keptFiles > 0 else {
                bucketFoldersWithoutMetadata.append(directory.path)
                return
            }
            rebuildReason = "bucket.json was missing"
            bucketsWithoutMetadata.append(directory.path)
            stored = Self.defaultBucket(name, directory: directory)
        case .future(let version):
            futureFormat.append(FutureFormatError(path: metadataURL.path, version: version))
            stored = Self.defaultBucket(name, directory: directory)
        }
        buckets[name] = Bucket(stored: stored, objects: objects, objectCount: objectCount, rebuildReason: rebuildReason, keptFiles: keptFiles)
    }

    /// A bucket whose own record is lost: private, as every bucket starts, created when its
    /// folder was.
    static func defaultBucket(_ name: String, directory: URL) -> StoredBucket {
        let attributes = try? FileManager.default.attributesOfItem(atPath: directory.path)
        let date = (attributes?[.creationDate] as? Date) ?? (attributes?[.modificationDate] as? Date) ?? Date()
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000
        return StoredBucket(name: name, created: Date(timeIntervalSince1970: milliseconds), acl: .private)
    }

    /// The objects of one shard folder, and how many data files were kept without metadata.
    private mutating func scanShard(_ shard: URL, relativePath: String) -> (objects: [String: StoredKey], kept: Int) {
        let files = Self.entries(shard)
        let metadataHashes = Set(files.map(\.lastPathComponent).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) })
        var byHash: [String: StoredKey] = [:]
        var objects: [String: StoredKey] = [:]
        for file in files where file.lastPathComponent.hasSuffix(".json") {
            let hash = String(file.lastPathComponent.dropLast(".json".count))
            // Inline bytes stay in the file: the scan keeps what the index keeps.
            guard let stored = usable(StoredKey.self, at: file, problem: { Self.keyProblem($0, hash: hash) })?.withoutInlineBytes
            else { continue }
            byHash[hash] = stored
            objects[stored.key] = stored
        }
        var present = Set<String>()
        var kept = 0
        for file in files where !file.lastPathComponent.hasSuffix(".json") {
            let name = file.lastPathComponent
            present.insert(name)
            if let dot = name.firstIndex(of: "."), let owner = byHash[String(name[..<dot])] {
                let version = name[name.index(after: dot)...]
                if !owner.versions.contains(where: { $0.version == version && !$0.isDeleteMarker && !$0.isInline }) {
                    superseded.append(file.path)
                }
                continue
            }
            if let dot = name.firstIndex(of: "."), Self.isKeyHash(name[..<dot]), !metadataHashes.contains(String(name[..<dot])),
                !wasSetAside(relativePath + "/" + name[..<dot] + ".json")
            {
                interruptedWrites.append(file.path)
                continue
            }
            unreferencedData.append(file.path)
            kept += 1
        }
        for (hash, stored) in byHash {
            for object in stored.versions where !object.isDeleteMarker && !object.isInline && !present.contains("\(hash).\(object.version)") {
                missingData.append(shard.appendingPathComponent("\(hash).\(object.version)").path)
            }
        }
        return (objects, kept)
    }

    /// A SHA-256 in lowercase hex, as ``ObjectStore/keyHash(_:)`` names keys.
    static func isKeyHash(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Whether an earlier start moved the file at `relativePath` to `.mss/damaged`.
    private func wasSetAside(_ relativePath: String) -> Bool {
        let base = ObjectStore.setAsideName(relativePath: relativePath)
        return setAside.contains { path in
            let name = (path as NSString).lastPathComponent
            return name == base || name.hasPrefix(base + ".")
        }
    }

    /// The metadata at `url` when it decodes and `problem` finds nothing wrong with it; otherwise
    /// nil, with the file recorded as damaged or of a future format (a missing file is neither).
    private mutating func usable<T: Decodable>(_ type: T.Type, at url: URL, problem: (T) -> String?) -> T? {
        switch decode(type, at: url) {
        case .decoded(let value):
            guard let reason = problem(value) else { return value }
            damaged.append(DamagedFile(path: url.path, reason: reason))
        case .damaged(let reason):
            damaged.append(DamagedFile(path: url.path, reason: reason))
        case .future(let version):
            futureFormat.append(FutureFormatError(path: url.path, version: version))
        case .missing:
            break
        }
        return nil
    }

    /// What makes decoded object metadata unusable: anything that would point outside its own
    /// data file or break arithmetic on sizes.
    static func keyProblem(_ stored: StoredKey, hash: String) -> String? {
        if ObjectStore.keyHash(stored.key) != hash {
            return "it describes key \(stored.key.debugDescription), whose metadata file has another name"
        }
        var dataVersions = Set<String>()
        var versionIDs = Set<String>()
        for object in stored.versions {
            if object.key != stored.key { return "it mixes versions of keys \(stored.key.debugDescription) and \(object.key.debugDescription)" }
            if !isPlainName(object.version) { return "its version \(object.version.debugDescription) is not a file name" }
            if !(0...S3Limits.maximumObjectSize).contains(object.size) { return "its size \(object.size) is out of range" }
            guard dataVersions.insert(object.version).inserted, versionIDs.insert(object.versionIDText).inserted else {
                return "it lists version \(object.versionIDText.debugDescription) twice"
            }
            if object.isInline && !object.isDeleteMarker {
                guard object.encryption == nil else { return "its version \(object.versionIDText.debugDescription) is encrypted and inline" }
                guard let bytes = stored.inlineBytes[object.version] else {
                    return "its version \(object.versionIDText.debugDescription) is inline but the document has no bytes for it"
                }
                guard Int64(bytes.count) == object.size else {
                    return "its version \(object.versionIDText.debugDescription) holds \(bytes.count) bytes inline for a size of \(object.size)"
                }
            }
        }
        return nil
    }

    // MARK: Multipart uploads

    private mutating func scanUpload(_ directory: URL) {
        let id = directory.lastPathComponent
        guard Self.isDirectory(directory) else { return }
        let recordURL = directory.appendingPathComponent("upload.json")
        let files = Self.entries(directory)
        let record = usable(MultipartUploadRecord.self, at: recordURL) { decoded in
            decoded.id == id && decoded.template.size >= 0 ? nil : "it describes another upload than the folder it lies in"
        }
        var parts: [Int: PartRecord] = [:]
        for file in files {
            let name = file.lastPathComponent
            guard name.hasPrefix("part-"), name.hasSuffix(".json") else { continue }
            if let part = usable(PartRecord.self, at: file, problem: { Self.partProblem($0, fileName: name) }) {
                parts[part.number] = part
            }
        }
        guard let record else {
            uploadsWithoutRecord.append(directory.path)
            return
        }
        // Bytes of a part replaced by a later upload of its number; the bytes of a part whose
        // record is unreadable are left alone.
        let referenced = Set(parts.values.map(ObjectStore.partFileName))
        for file in files {
            let name = file.lastPathComponent
            guard name.hasPrefix("part-"), !name.hasSuffix(".json"), !referenced.contains(name),
                let number = ObjectStore.partNumber(fileName: name), parts[number] != nil
            else { continue }
            superseded.append(file.path)
        }
        uploads[id] = Upload(record: record, parts: parts)
    }

    static func partProblem(_ part: PartRecord, fileName: String) -> String? {
        guard S3Limits.partNumbers.contains(part.number), fileName == ObjectStore.partRecordName(part.number) else {
            return "it describes part \(part.number), not the part its name says"
        }
        if let file = part.file, !isPlainName(file) || !file.hasPrefix("part-") || file.hasSuffix(".json") {
            return "its data file name \(file.debugDescription) is not a part file name"
        }
        guard (0...S3Limits.maximumPutSize).contains(part.size) else { return "its size \(part.size) is out of range" }
        return nil
    }

    // MARK: Reading

    enum Decoded<Document> {
        case decoded(Document)
        case missing
        case damaged(String)
        case future(Int)
    }

    /// Reads one metadata document. Its version is read first, so a newer layout is told apart
    /// from damage even when the rest would not decode; unknown fields are ignored.
    func decode<Document: Decodable>(_ type: Document.Type, at url: URL) -> Decoded<Document> {
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        guard let data = FileManager.default.contents(atPath: url.path) else { return .damaged("it cannot be read") }
        guard !data.isEmpty else { return .damaged("it is empty") }
        let probe: FormatVersionProbe
        do {
            probe = try Self.decoder.decode(FormatVersionProbe.self, from: data)
        } catch {
            return .damaged("it is not a JSON document (\(Self.summary(error)))")
        }
        if probe.formatVersion > .current { return .future(probe.formatVersion.rawValue) }
        do {
            return .decoded(try Self.decoder.decode(type, from: data))
        } catch {
            return .damaged("it does not decode (\(Self.summary(error)))")
        }
    }

    static func summary(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    /// A name that stays inside the folder it is joined to.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    static func entries(_ directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    static func isDirectory(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
