import Foundation
import MSSStoreFormat
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
    /// Entries of document packs that do not decode or contradict their hash, and bytes between
    /// entries that are none: kept in place (a pack is never set aside whole), and reported.
    var damagedPackEntries: [DamagedFile] = []
    /// Packs whose last bytes are not a whole entry: an append cut by a crash, whose write-ahead
    /// log record the next start appended again. Not a problem; listed for `--check`.
    var tornPackTails: [String] = []
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
        /// Hands them to a new index a shard (or a pack entry) at a time and keeps none: a rebuild
        /// of the index, which then never holds every key in memory.
        case stream(IndexBuilder)
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
        damaged.count + damagedPackEntries.count + unreferencedData.count + interruptedWrites.count + superseded.count + temporary.count + uploadsWithoutRecord.count
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
        // Packs first: a key's own file, read below, is newer than any entry of it in a pack.
        var packed: [String: StoredKey] = [:]
        var packedCount = 0
        if scanObjects && DocumentPacks.holdsPacks(root: root.path, bucket: name) {
            scanPacks(bucket: name, mode: mode, into: &packed)
            switch mode {
            case .stream(let builder): packedCount = builder.packedKeyCount(bucket: name)
            default: packedCount = packed.count
            }
        }
        for stored in packed.values { objects[stored.key] = stored }
        let shards = scanObjects ? Self.entries(directory.appendingPathComponent("objects")) : []
        for shard in shards where Self.isDirectory(shard) {
            let isPacked: (String) -> Bool =
                switch mode {
                case .stream(let builder): { builder.isPacked(bucket: name, hash: $0) }
                default: { packed[$0] != nil }
                }
            let (found, kept, unusable) = scanShard(shard, relativePath: "buckets/\(name)/objects/\(shard.lastPathComponent)", isPacked: isPacked)
            objectCount += found.count
            keptFiles += kept
            switch mode {
            case .skip: break
            case .keep:
                // A key's file that cannot be read is its latest state, lost: no older entry in
                // a pack stands in for it.
                for hash in unusable { if let lost = packed[hash] { objects[lost.key] = nil } }
                objects.merge(found) { _, file in file }
            case .stream(let builder):
                for hash in unusable { builder.removePacked(bucket: name, hash: hash) }
                builder.add(bucket: name, keys: Array(found.values))
            }
        }
        if case .keep = mode {
            objectCount = objects.count
        } else {
            // A key moved from a pack to its own file is counted twice here; the count only
            // reports the rebuild and tells an empty bucket folder from one with objects.
            objectCount += packedCount
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
        // The folder decides, should the record have been lost: the bucket's removals must go on
        // writing removal entries.
        if DocumentPacks.holdsPacks(root: root.path, bucket: name) { stored.documentPacks = true }
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
    /// `isPacked` says whether the key of a hash has its document in the bucket's packs: its
    /// data files are then of versions that document dropped.
    /// `unusable` holds the hashes of document files that do not decode or contradict where they lie.
    private mutating func scanShard(_ shard: URL, relativePath: String, isPacked: (String) -> Bool) -> (
        objects: [String: StoredKey], kept: Int, unusable: [String]
    ) {
        let files = Self.entries(shard)
        let metadataHashes = Set(files.map(\.lastPathComponent).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) })
        var byHash: [String: StoredKey] = [:]
        var objects: [String: StoredKey] = [:]
        var unusable: [String] = []
        for file in files where file.lastPathComponent.hasSuffix(".json") {
            let hash = String(file.lastPathComponent.dropLast(".json".count))
            // Inline bytes stay in the file: the scan keeps what the index keeps.
            guard let stored = usable(StoredKey.self, at: file, problem: { Self.keyProblem($0, hash: hash) })?.withoutInlineBytes
            else {
                unusable.append(hash)
                continue
            }
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
            // Documents in packs list no data file (``DocumentPacks``): one of a key whose document
            // is a pack entry, and that has no file of its own (which, damaged, may be what names
            // it), is of a version that document dropped, left to be removed when the server stopped.
            if let dot = name.firstIndex(of: "."), Self.isKeyHash(name[..<dot]), !metadataHashes.contains(String(name[..<dot])),
                isPacked(String(name[..<dot]))
            {
                superseded.append(file.path)
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
        return (objects, kept, unusable)
    }

    /// Walks the bucket's packs in order: each key's latest entry goes to `packed` (by hash) or,
    /// in a rebuild, to the new index.
    private mutating func scanPacks(bucket: String, mode: Objects, into packed: inout [String: StoredKey]) {
        for number in DocumentPacks.numbers(root: root.path, bucket: bucket) {
            let path = DocumentPacks.path(root: root.path, bucket: bucket, number: number)
            var problems: [DamagedFile] = []
            var future: [FutureFormatError] = []
            let walk = DocumentPacks.walk(path) { offset, entry in
                var stored: StoredKey?
                if entry.kind == .document {
                    let place = "\(path) at \(offset)"
                    switch Self.decodeKey(entry.document, hash: entry.hash) {
                    case .decoded(let key):
                        stored = key.withoutInlineBytes
                    case .damaged(let reason):
                        // Whole (its checksum holds) but not a document of its key: the key's
                        // latest state is lost, and an older entry must not stand in for it.
                        problems.append(DamagedFile(path: place, reason: reason))
                    case .future(let version):
                        future.append(FutureFormatError(path: place, version: version))
                        return
                    case .missing:
                        return
                    }
                }
                switch mode {
                case .skip: break
                case .keep: packed[entry.hash] = stored
                case .stream(let builder):
                    if let stored {
                        builder.addPacked(
                            bucket: bucket, hash: entry.hash, stored: stored, at: DocumentPackLocation(pack: number, offset: offset, size: Int64(entry.size)))
                    } else {
                        builder.removePacked(bucket: bucket, hash: entry.hash)
                    }
                }
            }
            damagedPackEntries += problems
            futureFormat += future
            damagedPackEntries += walk.damagedAt.map { DamagedFile(path: "\(path) at \($0)", reason: "bytes that are no entry, followed by entries") }
            if let torn = walk.tornTailAt { tornPackTails.append("\(path) at \(torn)") }
        }
    }

    /// A key's document from a pack entry, checked as a document file is.
    static func decodeKey(_ document: [UInt8], hash: String) -> Decoded<StoredKey> {
        switch decode(StoredKey.self, data: Data(document)) {
        case .decoded(let stored):
            if let reason = keyProblem(stored, hash: hash) { return .damaged(reason) }
            return .decoded(stored)
        case let other:
            return other
        }
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
        return Self.decode(type, data: data)
    }

    /// ``decode(_:at:)`` of a document's bytes.
    static func decode<Document: Decodable>(_ type: Document.Type, data: Data) -> Decoded<Document> {
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
