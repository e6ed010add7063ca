import Crypto
import Foundation
import HTTPTypes
import Logging
import MSSStoreFormat
import S3Protocol

/// The objects and buckets under the data directory, and the index (``KeyIndex``) that answers
/// lookups and listings.
///
/// Layout, all under `root`:
/// - `buckets/NAME/bucket.json`: the bucket (names are checked by ``NameRules`` before use).
/// - `buckets/NAME/objects/HH/HASH.json`: every version of a key (``StoredKey``), HASH being the
///   SHA-256 of the key, so no key, however odd, ever becomes a path.
/// - `buckets/NAME/objects/HH/HASH.VERSION`: the bytes of one version, one file per write.
/// - `buckets/NAME/packs/NNNNNNNNNN.pack`: in buckets that keep them (``DocumentPacks``), the
///   documents of keys without data files, appended many to a file, in place of `HASH.json`.
/// - `.mss/tmp/`: bodies being received; `.mss/uploads/ID/`: multipart uploads;
///   `.mss/damaged/`: metadata files that did not decode, moved aside at start (``StoreScan``);
///   `.mss/index.sqlite`: the index of keys, rebuilt from the documents whenever it cannot be
///   trusted; `.mss/wal.0` and `.mss/wal.1`: the write-ahead log (``WriteAheadLog``).
///
/// A change of a key is durable once its record is in the write-ahead log: the key's new document
/// and, for a body of up to 64 KiB, the body itself, covered by one `fdatasync` shared by every
/// writer waiting at the same time. Only then are its files written (in place: nothing reads
/// them before the change is visible) and the change made visible, without flushes of their own:
/// a checkpoint flushes them in bulk, and after a crash the next start writes them again from the
/// log (``WriteLogReplay``), so a crash leaves either the old object or the new one. A larger
/// body, received into a file, is made durable (``DurabilityBarrier``, a group commit too) before
/// the record that names it. Where the filesystem cannot be flushed as a whole, there is no
/// log, and each write is made durable file by file: its bytes and new document, then the rename
/// that makes it visible. Changes
/// of one key take turns (``KeyLocks``), so the last complete write of a key wins; their disk work
/// runs on ``StoreIO``'s threads while the actor serves everything else, so writes of different
/// keys never wait on each other one by one. Folders are 0700 and files 0600.
actor ObjectStore {
    nonisolated let root: URL
    /// `root`'s path, for joining paths without `URL`, whose appending parses and validates the
    /// whole path every time (a tenth of a small GET's time).
    nonisolated let rootPath: String
    let logger: Logger
    private var buckets: [String: StoredBucket] = [:] {
        // Any answer may depend on its bucket's record (ACL, versioning, lifecycle).
        didSet { answers.invalidateAll() }
    }
    /// Buckets whose folders are being made: their names are taken until they exist or failed.
    private var bucketsBeingCreated: Set<String> = []
    /// Answers of plain GETs and HEADs, served without visiting the actor (``FastReadHandler``);
    /// every change of a key or bucket drops what it concerns as soon as it is visible.
    nonisolated let answers: ReadAnswerCache
    /// Every key's versions and listing columns; blocking, so used on ``StoreIO``.
    nonisolated let index: KeyIndex
    /// Shared flushes that make writes durable (group commit).
    nonisolated let barrier: DurabilityBarrier
    /// Where changes of keys are durable first (nil where the barrier cannot checkpoint it).
    nonisolated let log: WriteAheadLog?
    /// Carries the changes whose bytes are in memory through `log`, in batches.
    nonisolated let logWriter: LoggedKeyWriter?
    /// The documents of small keys in buckets that keep them in packs.
    nonisolated let packs: DocumentPacks
    /// Recently used keys, decoded.
    private var cache = KeyCache(capacity: 16_384)
    /// Changes of keys so far, by bucket: a read of the index during which none happened in its
    /// bucket may fill the cache, as nothing it read can have been replaced meanwhile. By bucket,
    /// so that writes elsewhere neither keep the cache cold nor hold up a bucket's delete.
    var changes: [String: UInt64] = [:]
    /// ``changes`` of each bucket when its packs were last looked at for a compaction.
    var packsLookedAt: [String: UInt64] = [:]
    /// Data files found without readable metadata, per bucket: deleting the bucket would take them.
    private var keptFiles: [String: Int] = [:]
    /// Data files of replaced versions waiting out ``retiredVersionGrace``.
    nonisolated let retired = RetiredFiles()
    /// Whose turn it is to change each key being changed.
    private var keyLocks = KeyLocks()
    nonisolated let encoder = documentEncoder()

    /// How documents are written: dates in milliseconds, keys sorted.
    static func documentEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// Opens (creating if needed) the store at `path`, repairs what a crash or damage left, and
    /// opens its index, rebuilding it from the documents unless the last server closed it
    /// cleanly. Throws ``FutureFormatError``, before changing anything but what the write-ahead
    /// log held, when a newer server wrote some of it. `barrier` replaces the data directory's own (tests hold and count its flushes);
    /// `answerCacheSize` bounds ``answers`` in bytes (0 keeps none); `writeLog` sets up the
    /// write-ahead log, nil to make every change durable file by file; `packSealSize` is the size
    /// past which a bucket's document pack is sealed (``DocumentPacks``). Whatever the log of an
    /// earlier server holds is applied first (``WriteLogReplay``).
    init(
        path: String, logger: Logger = Logger(label: "mss-server.store"), barrier: DurabilityBarrier? = nil,
        answerCacheSize: Int = 64 << 20, writeLog: WriteAheadLog.Settings? = WriteAheadLog.Settings(), packSealSize: Int64 = 64 << 20
    ) async throws {
        answers = ReadAnswerCache(capacity: answerCacheSize)
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        rootPath = root.path
        self.logger = logger
        // Reading every document is minutes of blocking file work in a large store: off Swift's
        // few cooperative threads, which the rest of the process (and a test run) shares.
        let scanned = root
        let indexPath = KeyIndex.path(root: rootPath)
        let started = ContinuousClock.now
        let replayed = try await StoreIO.run { Result { try Self.replayLog(root: scanned.path, barrier: barrier) } }.get()
        if replayed > 0 {
            logger.notice("changes of keys applied from the write-ahead log", metadata: ["keys": "\(replayed)"])
        }
        let (scan, condition, builder) = try await StoreIO.run { () -> (StoreScan, KeyIndex.Condition, IndexBuilder?) in
            var condition = KeyIndex.inspect(path: indexPath)
            if replayed > 0 && condition == .trusted {
                condition = .untrusted("the write-ahead log held changes the files did not have")
            }
            if condition == .trusted {
                let withoutObjects = StoreScan(root: scanned, objects: .skip)
                if withoutObjects.isCompleteWithoutObjects { return (withoutObjects, condition, nil) }
                condition = .untrusted("a bucket's own record needs its objects read")
            }
            let builder = IndexBuilder(path: indexPath + ".rebuild", encoder: Self.documentEncoder())
            return (StoreScan(root: scanned, objects: .stream(builder)), condition, builder)
        }
        if let future = scan.futureFormat.first {
            builder?.discard()
            throw future
        }
        for directory in ["", "buckets", ".mss/tmp", ".mss/uploads"] {
            try DurableFiles.ensureDirectory(root.appendingPathComponent(directory).path)
        }
        self.barrier = try barrier ?? DurabilityBarrier(directory: root.path)
        let (logRoot, logBarrier) = (rootPath, self.barrier)
        log = try await StoreIO.run {
            Result { () throws -> WriteAheadLog? in
                guard let writeLog, logBarrier.flushesWholeFilesystem else { return nil }
                return try WriteAheadLog(root: logRoot, barrier: logBarrier, settings: writeLog)
            }
        }.get()
        if DurableFiles.makePrivate(root.path) {
            logger.notice("data directory made private to its owner (0700)", metadata: ["path": "\(root.path)"])
        }
        if let builder {
            let kept = scan.buckets.mapValues(\.keptFiles)
            try await StoreIO.run { Result { try builder.finish(keptFiles: kept, replacing: indexPath) } }.get()
        }
        let index = try await StoreIO.run { Result { try KeyIndex(path: indexPath) } }.get()
        self.index = index
        let (storeBarrier, storeRoot) = (self.barrier, rootPath)
        let packs = DocumentPacks(root: rootPath, sealSize: packSealSize)
        self.packs = packs
        logWriter = log.map { LoggedKeyWriter(log: $0, index: index, packs: packs, barrier: storeBarrier, root: storeRoot) }
        try repair(scan)
        if case .untrusted(let reason) = condition {
            logger.notice(
                "index of keys rebuilt from the files",
                metadata: [
                    "reason": "\(reason)", "keys": "\(scan.buckets.values.reduce(0) { $0 + $1.objectCount })",
                    "duration": "\(ContinuousClock.now - started)",
                ])
        }
        keptFiles = try await StoreIO.run { Result { try index.keptFiles() } }.get()
        for (name, bucket) in scan.buckets {
            buckets[name] = bucket.stored
        }
        for (id, upload) in scan.uploads {
            uploadsByID[id] = upload.record
            partsByUpload[id] = upload.parts
        }
    }

    /// Applies what the write-ahead log of the store at `root` holds, durably, and empties it;
    /// how many keys it wrote.
    private static func replayLog(root: String, barrier: DurabilityBarrier?) throws -> Int {
        let replay = WriteLogReplay(root: root)
        guard !replay.records.isEmpty else { return 0 }
        try DurableFiles.ensureDirectory(root + "/.mss/tmp")
        let durability = try barrier ?? DurabilityBarrier(directory: root)
        let keys = try replay.apply(root: root, temporaryDirectory: root + "/.mss/tmp", makeDurable: durability.makeDurable)
        // Emptied here, not only by a log opened later: a store opened without one must not
        // replay these records again over what it writes file by file.
        try WriteAheadLog.wipe(root: root, oldestFirst: replay.segmentsOldestFirst)
        return keys
    }

    // MARK: Paths

    static func keyHash(_ key: String) -> String {
        var key = key
        return key.withUTF8 { Digests.hex(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    static func dataFileName(key: String, version: String) -> String {
        "\(keyHash(key)).\(version)"
    }

    nonisolated func bucketDirectory(_ bucket: String) -> URL {
        root.appendingPathComponent("buckets/\(bucket)", isDirectory: true)
    }

    /// The names of a bucket's shard folders: the first two hex digits of a key's hash.
    static let shardNames = (0..<256).map { String(format: "%02x", $0) }

    /// The folder of the documents and data files of keys whose hash is `hash`. Joined as a
    /// string: `URL`'s appending parses and validates the whole path every time.
    nonisolated func shardDirectory(bucket: String, hash: String) -> String {
        rootPath + "/buckets/" + bucket + "/objects/" + String(hash.prefix(2))
    }

    /// The document of the key whose hash is `hash`, in its shard folder.
    static func metadataPath(shard: String, hash: String) -> String {
        shard + "/" + hash + ".json"
    }

    /// Where the bytes of `object` are.
    nonisolated func dataPath(bucket: String, object: StoredObject) -> String {
        let hash = Self.keyHash(object.key)
        return shardDirectory(bucket: bucket, hash: hash) + "/" + hash + "." + object.version
    }

    /// A fresh path for a body being received. Joined as a string: `URL`'s appending without a
    /// directory hint stats the path, twice per PUT.
    nonisolated func temporaryPath() -> String {
        Self.temporaryPath(root: rootPath)
    }

    /// ``temporaryPath()`` in the store at `root`.
    static func temporaryPath(root: String) -> String {
        root + "/.mss/tmp/" + UUID.random().uuidString
    }

    nonisolated func uploadDirectory(_ id: String) -> URL {
        root.appendingPathComponent(".mss/uploads/\(id)", isDirectory: true)
    }

    // MARK: Buckets

    /// Whether `bucket` keeps small documents in packs.
    func keepsPacks(_ bucket: String) -> Bool {
        buckets[bucket]?.documentPacks == true
    }

    /// The buckets that keep small documents in packs.
    func bucketsWithPacks() -> [String] {
        buckets.values.filter { $0.documentPacks == true }.map(\.name).sorted()
    }

    func allBuckets() -> [StoredBucket] {
        buckets.values.sorted { $0.name < $1.name }
    }

    func bucket(_ name: String) throws(S3ServerError) -> StoredBucket {
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        return bucket
    }

    func createBucket(_ name: String, acl: StoredACL) async throws(S3ServerError) {
        if let problem = NameRules.bucketNameProblem(name) {
            throw S3ServerError(.badRequest, .invalidBucketName, "The specified bucket is not valid: \(problem)", resource: "/\(name)")
        }
        guard buckets[name] == nil else {
            throw S3ServerError(
                .conflict, .bucketAlreadyOwnedByYou,
                "Your previous request to create the named bucket succeeded and you already own it.", resource: "/\(name)")
        }
        guard !bucketsBeingCreated.contains(name) else {
            throw S3ServerError(
                .conflict, .operationAborted, "A conflicting conditional operation is currently in progress against this resource. Please try again.",
                resource: "/\(name)")
        }
        bucketsBeingCreated.insert(name)
        defer { bucketsBeingCreated.remove(name) }
        var bucket = StoredBucket(name: name, created: Self.now(), acl: acl)
        // Packs need the log: their appends are durable through its records and checkpoints.
        if log != nil { bucket.documentPacks = true }
        let objects = bucketDirectory(name).appendingPathComponent("objects").path
        let packsFolder = bucket.documentPacks == true ? DocumentPacks.directory(root: rootPath, bucket: name) : nil
        do {
            // Every shard folder now, with one flush for them all: made by the first write that
            // needed each, it cost a flush of the folder above inside a batch of the write-ahead
            // log (a batch's preparing took 3.2 ms in a new bucket's first half second of small
            // PUTs, 0.35 ms with the folders made here).
            try await StoreIO.run {
                Result {
                    try DurableFiles.ensureDirectories(Self.shardNames, in: objects)
                    if let packsFolder { try DurableFiles.ensureDirectory(packsFolder) }
                }
            }.get()
            try writeBucket(bucket)
        } catch {
            throw .internalError("cannot create bucket: \(error)")
        }
        buckets[name] = bucket
    }

    func setBucketACL(_ name: String, acl: StoredACL) throws(S3ServerError) {
        var bucket = try bucket(name)
        bucket.acl = acl
        do {
            try writeBucket(bucket) {
                buckets[name] = bucket
            }
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
    }

    /// Deletes an empty bucket (no version of any key, delete markers included) and, as S3
    /// does, the multipart uploads still in progress in it.
    func deleteBucket(_ name: String) async throws(S3ServerError) {
        _ = try bucket(name)
        // No record of the bucket's keys may outlive its folder (and be replayed into a bucket
        // of the same name made later). Before the checks: the folder goes without a suspension
        // after them.
        if let log {
            do {
                try await StoreIO.run { Result { try log.checkpoint() } }.get()
            } catch {
                throw .internalError("cannot checkpoint the write-ahead log: \(error)")
            }
        }
        var hasKeys: Bool?
        // A change that ends while the index is read may have added a key after the read saw
        // none: read again until no change ended meanwhile.
        for _ in 0..<5 where hasKeys == nil {
            let before = changes[name]
            let found = try await readingIndex { try $0.hasKeys(bucket: name) }
            if changes[name] == before { hasKeys = found }
        }
        // Another delete may have ended meanwhile.
        _ = try bucket(name)
        // A write still on its way to disk may be about to add the bucket's first key; no new
        // one can start before this returns.
        guard let hasKeys, !keyLocks.isBusy(bucket: name) else {
            throw S3ServerError(
                .conflict, .operationAborted, "A conflicting conditional operation is currently in progress against this resource. Please try again.",
                resource: "/\(name)")
        }
        guard !hasKeys else {
            throw S3ServerError(.conflict, .bucketNotEmpty, "The bucket you tried to delete is not empty", resource: "/\(name)")
        }
        guard keptFiles[name] == nil else {
            throw S3ServerError(
                .conflict, .bucketNotEmpty,
                "The bucket you tried to delete holds data files without readable metadata; see mss-server --check",
                resource: "/\(name)")
        }
        do {
            try removeDirectory(bucketDirectory(name))
            packs.forget(bucket: name)
            try index.removeBucket(name)
        } catch {
            throw .internalError("cannot delete bucket: \(error)")
        }
        buckets[name] = nil
        cache.removeBucket(name)
        // After the bucket: a crash in between leaves uploads of a missing bucket, which can
        // still be aborted, rather than a bucket that lost its uploads but still exists.
        for (id, upload) in uploadsByID where upload.bucket == name {
            abortUpload(id)
        }
    }

    // MARK: Objects

    /// The object a plain GET of `key` finds: nil when there is none or its newest version is a
    /// delete marker. With `versionID`, exactly that version, delete markers included.
    func object(bucket: String, key: String, versionID: String? = nil) async throws(S3ServerError) -> StoredObject? {
        try await snapshot(bucket: bucket, key: key).object(versionID: versionID)
    }

    /// The bucket and every version of `key`, read together (``KeySnapshot``).
    func snapshot(bucket: String, key: String) async throws(S3ServerError) -> KeySnapshot {
        let stored = try self.bucket(bucket)
        return KeySnapshot(bucket: stored, stored: try await storedKey(bucket: bucket, key: key))
    }

    /// Every version of `key`: from the cache, or read from the index on ``StoreIO``.
    func storedKey(bucket: String, key: String) async throws(S3ServerError) -> StoredKey? {
        let name = KeyLocks.Name(bucket: bucket, key: key)
        if let entry = cache.lookup(name) { return entry.stored }
        let before = changes[bucket]
        let stored = try await readingIndex { try $0.stored(bucket: bucket, key: key) }
        if changes[bucket] == before { cache.insert(name, KeyCache.Entry(stored: stored)) }
        return stored
    }

    /// Puts a changed bucket record in place of the old one.
    func replaceBucket(_ bucket: StoredBucket) {
        buckets[bucket.name] = bucket
    }

    /// The newest version of `key`, a delete marker included.
    func newest(bucket: String, key: String) async throws(S3ServerError) -> StoredObject? {
        _ = try self.bucket(bucket)
        return try await storedKey(bucket: bucket, key: key)?.newest
    }

    /// Makes the body at `temporaryPath` the new content of `object.key`, and returns what was
    /// stored, once `precondition` holds for the key's current object (checked here, in the
    /// same step as the write). What the write replaces (the `null` version, or every version
    /// in a bucket that never had versioning) has its bytes removed. `answer` gives the answer
    /// a plain GET of what was stored gets, in its bucket, to be kept in ``answers`` from the
    /// moment the object is current; nil keeps none.
    @discardableResult
    func commit(
        bucket: String, object: StoredObject, temporaryPath: String, precondition: WritePrecondition = .none,
        answer: (@Sendable (StoredObject, StoredBucket) -> ReadAnswerCache.Entry?)? = nil
    ) async throws(S3ServerError) -> StoredObject {
        try await commit(bucket: bucket, object: object, source: .file(temporaryPath), precondition: precondition, answer: answer)
    }

    /// ``commit(bucket:object:temporaryPath:precondition:answer:)`` of bytes in a file or in memory.
    @discardableResult
    func commit(
        bucket: String, object: StoredObject, source: IncomingData.Source, precondition: WritePrecondition = .none,
        answer: (@Sendable (StoredObject, StoredBucket) -> ReadAnswerCache.Entry?)? = nil
    ) async throws(S3ServerError) -> StoredObject {
        try await withKeyLock(bucket: bucket, key: object.key) { () async throws(S3ServerError) -> StoredObject in
            let versioning: VersioningState?
            do throws(S3ServerError) {
                versioning = try self.bucket(bucket).versioning
            } catch {
                if case .file(let path) = source { try? FileManager.default.removeItem(atPath: path) }
                throw error
            }
            var object = object
            object.version = UUID.random().uuidString.lowercased()
            object.versionID = versioning == .enabled ? Self.newVersionID(object.version) : nil
            object.isDeleteMarker = false
            object.lastModified = Self.now()
            // Not in a bucket keeping every version: each change of the key rewrites its document,
            // which would carry the bytes of all its versions. Elsewhere a document holds at most
            // the one inline version a bucket had before its versioning was enabled.
            let inline = versioning == .enabled ? nil : source.inlineBytes(for: object)
            object.isInline = inline != nil
            let key = object.key
            do {
                // Once the metadata is in place its data file is the object, acknowledged or not;
                // before, a failure (the precondition's included) takes the new bytes away again.
                try await addVersion(
                    object, bucket: bucket, versioning: versioning, prior: priorVersions(bucket: bucket, key: object.key),
                    data: inline == nil ? IncomingData(source: source, destination: dataPath(bucket: bucket, object: object)) : nil,
                    inlineBytes: inline
                ) { previous throws(S3ServerError) in
                    try precondition.check(previous?.current, key: key, whileWriting: true)
                }
            } catch let error as S3ServerError {
                throw error
            } catch {
                throw .internalError("cannot store the object: \(error)")
            }
            // No suspension since the write became visible: this is the key's current state.
            if let answer, let record = buckets[bucket], let entry = answer(object, record) {
                answers.keepCurrent(ReadAnswerCache.Name(bucket: bucket, key: object.key), entry)
            }
            return object
        }
    }

    /// Runs `body`, which changes `key`, once every earlier change of the key has ended. The
    /// actor is free for other work whenever `body` waits on the disk.
    func withKeyLock<Result>(
        bucket: String, key: String, _ body: () async throws(S3ServerError) -> Result
    ) async throws(S3ServerError) -> Result {
        let name = KeyLocks.Name(bucket: bucket, key: key)
        if !keyLocks.take(name) {
            await withCheckedContinuation { keyLocks.wait(name, $0) }
        }
        defer { keyLocks.release(name) }
        return try await body()
    }

    /// A fresh S3 version id: the data file's unique name without dashes, so ids are opaque,
    /// URL-safe and never "null".
    static func newVersionID(_ dataVersion: String) -> String {
        dataVersion.replacingOccurrences(of: "-", with: "")
    }

    /// The versions of a key as a change under its turn starts from: known (cached, or read by
    /// the caller), or still to be read from the index, which the change then does on its trip
    /// to ``StoreIO`` (a write of a new key would otherwise make two).
    enum PriorVersions: Sendable {
        case known(StoredKey?)
        case unread
    }

    /// What the key's turn found, for a change of it: from the cache when it is there.
    private func priorVersions(bucket: String, key: String) -> PriorVersions {
        cache.lookup(KeyLocks.Name(bucket: bucket, key: key)).map { .known($0.stored) } ?? .unread
    }

    /// Puts `object` in front of the key's versions (`prior`), dropping what it replaces under
    /// the bucket's versioning, and writes the key's document (after moving the new version's
    /// bytes, `data`, into place), once `check` accepts the versions found. The caller holds the
    /// key's turn.
    private func addVersion(
        _ object: StoredObject, bucket: String, versioning: VersioningState?, prior: PriorVersions, data: IncomingData? = nil,
        inlineBytes: Data? = nil, check: @escaping @Sendable (StoredKey?) throws(S3ServerError) -> Void = { _ in }
    ) async throws {
        try await writeKey(object.key, bucket: bucket, prior: prior, data: data) {
            previous throws(S3ServerError) in
            try check(previous)
            let versions = previous?.versions ?? []
            let kept: [StoredObject]
            switch versioning {
            case nil: kept = []
            case .enabled: kept = versions
            case .suspended: kept = versions.filter { $0.versionID != nil }
            }
            var stored = StoredKey(object, noncurrent: kept)
            if let inlineBytes { stored.inlineBytes[object.version] = inlineBytes }
            return stored
        }
    }

    /// Writes `stored` as the versions of `key` (nil: it has none), which were `prior`
    /// (``writeKey(_:bucket:prior:data:change:)``).
    func writeKey(_ stored: StoredKey?, key: String, bucket: String, prior: StoredKey?) async throws {
        try await writeKey(key, bucket: bucket, prior: .known(prior)) { _ in stored }
    }

    /// Writes (or with nil, removes) the document of `key` that `change` makes of its versions,
    /// and updates the index to match; the bytes of versions the change dropped are removed
    /// once the new document is what is on disk. The disk work, reading the versions when
    /// `prior` is unread and running `change` included, is one job on ``StoreIO``; the caller
    /// holds the key's turn, so the key's entry in the index cannot change meanwhile. What
    /// `change` throws is thrown as it is, after the new bytes (`data`) are removed.
    private func writeKey(
        _ key: String, bucket: String, prior: PriorVersions, data: IncomingData? = nil,
        change: @escaping @Sendable (StoredKey?) throws(S3ServerError) -> StoredKey?
    ) async throws {
        let hash = Self.keyHash(key)
        let shard = shardDirectory(bucket: bucket, hash: hash)
        let metadataPath = Self.metadataPath(shard: shard, hash: hash)
        let (index, barrier, log, rootPath, encoder, packs) = (index, barrier, log, rootPath, encoder, packs)
        let packed = keepsPacks(bucket)
        let document = KeyDocumentSource(root: rootPath, bucket: bucket, key: key, hash: hash, path: metadataPath, index: index, packed: packed)
        // Encoded off the actor, which every request of the store goes through.
        let prepare: @Sendable () throws -> PreparedKey = {
            let previous: StoredKey? =
                switch prior {
                case .known(let known): known
                case .unread: try index.stored(bucket: bucket, key: key)
                }
            var stored = try change(previous)
            try stored?.takeInlineBytes(from: document)
            return try PreparedKey(previous: previous, stored: stored, encoder: encoder)
        }
        let written: WrittenKey
        if let logWriter, data?.isInMemory ?? true {
            written = try await logWriter.write(
                LoggedKeyWriter.Change(
                    bucket: bucket, key: key, metadataPath: metadataPath, shard: shard, hash: hash, packed: packed, data: data, prepare: prepare)
            ).get()
        } else {
            // A staging path for the barrier's way; the log's batches need none.
            let temporary = temporaryPath()
            written = try await StoreIO.run { () -> Result<WrittenKey, any Error> in
                let prepared: PreparedKey
                do {
                    prepared = try prepare()
                } catch {
                    if let data, case .file(let path) = data.source { unlink(path) }
                    return .failure(error)
                }
                let document = prepared.document
                // A removal here has no log record: its pack entry is made durable first, or a
                // rebuild could find the key's document in a pack after its file is gone.
                if packed && document == nil && prepared.previous != nil {
                    do {
                        _ = try packs.append([.removed(hash: hash)], bucket: bucket)
                        try packs.synchronize(bucket: bucket)
                    } catch {
                        return .success(WrittenKey(KeyDocumentOutcome(visible: false, failure: "\(error)"), of: prepared))
                    }
                }
                let outcome =
                    if let log {
                        KeyDocumentOutcome.publish(
                            document: document, at: metadataPath, shard: shard, temporary: temporary, data: data, root: rootPath, log: log,
                            barrier: barrier)
                    } else {
                        KeyDocumentOutcome.publish(
                            document: document, at: metadataPath, shard: shard, temporary: temporary, data: data, barrier: barrier)
                    }
                return .success(WrittenKey.indexed(outcome, prepared, bucket: bucket, key: key, index: index))
            }.get()
        }
        if written.outcome.visible {
            answers.invalidate(bucket: bucket, key: key)
            changes[bucket, default: 0] &+= 1
            cache.insert(KeyLocks.Name(bucket: bucket, key: key), KeyCache.Entry(stored: written.stored))
            let kept = Set((written.stored?.versions ?? []).map(\.version))
            for old in written.previous?.versions ?? [] where !old.isDeleteMarker && !old.isInline && !kept.contains(old.version) {
                removeLater(dataPath(bucket: bucket, object: old))
            }
        }
        if let failure = written.outcome.failure { throw StoreWriteFailure(description: failure) }
    }

    /// Replaces the metadata of an existing version without touching its bytes.
    func updateMetadata(bucket: String, object: StoredObject) async throws(S3ServerError) {
        try await withKeyLock(bucket: bucket, key: object.key) { () async throws(S3ServerError) in
            let previous = try await storedKey(bucket: bucket, key: object.key)
            guard var stored = previous, stored.replace(object) else {
                throw S3ServerError(.conflict, .operationAborted, "The object changed while its metadata was being updated.")
            }
            do {
                try await writeKey(stored, key: object.key, bucket: bucket, prior: previous)
            } catch {
                throw .internalError("cannot write metadata: \(error)")
            }
        }
    }

    /// What a delete did, for the `x-amz-delete-marker` and `x-amz-version-id` answers.
    struct DeleteOutcome: Sendable, Hashable {
        /// The delete made a delete marker, or removed one.
        var deleteMarker = false
        /// The version made or removed; nil when nothing versioned was involved.
        var versionID: String?
    }

    /// Deletes `key` as S3 does under the bucket's versioning: without `versionID`, removes it
    /// (never versioned), or adds a delete marker (enabled, or suspended, replacing the `null`
    /// version); with `versionID`, removes exactly that version, if it exists. A marker is owned
    /// by `deleter`, a user id. With `onlyIf`, nothing happens unless it holds for the key's
    /// versions once the key's turn has come (lifecycle: the version judged due is still there).
    @discardableResult
    func deleteObject(
        bucket: String, key: String, versionID: String? = nil, deleter: String? = nil,
        onlyIf: (@Sendable (StoredKey?) -> Bool)? = nil
    ) async throws(S3ServerError) -> DeleteOutcome {
        try await withKeyLock(bucket: bucket, key: key) { () async throws(S3ServerError) -> DeleteOutcome in
            let versioning = try self.bucket(bucket).versioning
            let stored = try await storedKey(bucket: bucket, key: key)
            if let onlyIf, !onlyIf(stored) { return DeleteOutcome() }
            do {
                if let versionID {
                    let id = versionID == "null" ? nil : versionID
                    guard let stored, let removed = stored.version(id) else { return DeleteOutcome() }
                    try await writeKey(
                        StoredKey(versions: stored.versions.filter { $0.version != removed.version }), key: key, bucket: bucket, prior: stored)
                    return DeleteOutcome(deleteMarker: removed.isDeleteMarker, versionID: versionID)
                }
                guard let versioning else {
                    guard let stored else { return DeleteOutcome() }
                    try await writeKey(nil, key: key, bucket: bucket, prior: stored)
                    return DeleteOutcome()
                }
                var marker = StoredObject.deleteMarker(key: key, lastModified: Self.now(), owner: deleter)
                marker.versionID = versioning == .enabled ? Self.newVersionID(marker.version) : nil
                try await addVersion(marker, bucket: bucket, versioning: versioning, prior: .known(stored))
                return DeleteOutcome(deleteMarker: true, versionID: marker.versionIDText)
            } catch {
                throw .internalError("cannot delete the object: \(error)")
            }
        }
    }

    // MARK: Listing

    struct Listing: Sendable {
        var objects: [ListedObject] = []
        var commonPrefixes: [String] = []
        var isTruncated = false
        /// The last key or prefix returned, where the next page starts.
        var last: String?
    }

    /// Up to `maxKeys` keys and common prefixes after `marker`, in S3's order, read from the
    /// index on ``StoreIO``.
    func list(bucket: String, prefix: String, delimiter: String?, marker: String?, maxKeys: Int) async throws(S3ServerError)
        -> Listing
    {
        _ = try self.bucket(bucket)
        // No room on the page: an empty, complete answer, so a client looping on IsTruncated stops.
        guard maxKeys > 0 else { return Listing() }
        return try await readingIndex { index in
            try index.read { connection in
                try Self.listing(
                    KeyIndex.liveKeys(connection, bucket: bucket), prefix: prefix, delimiter: delimiter, marker: marker, maxKeys: maxKeys)
            }
        }
    }

    /// Runs `body` with the index on ``StoreIO``; a failure other than an S3 error answers 500.
    nonisolated func readingIndex<Value: Sendable>(
        _ body: @escaping @Sendable (KeyIndex) throws -> Value
    ) async throws(S3ServerError) -> Value {
        let index = index
        do {
            return try await StoreIO.run { Result { try body(index) } }.get()
        } catch let error as S3ServerError {
            throw error
        } catch {
            throw .internalError("cannot read the index: \(error)")
        }
    }

    /// One page of a listing walked over `cursor`.
    static func listing(
        _ cursor: some KeyCursor<ListedObject>, prefix: String, delimiter: String?, marker: String?, maxKeys: Int
    ) throws -> Listing {
        var walk = try ListingWalk(
            cursor, prefix: Array(prefix.utf8), delimiter: delimiter.map { Array($0.utf8) }, marker: marker.map { Array($0.utf8) } ?? [])
        var listing = Listing()
        while let step = try walk.next() {
            if listing.objects.count + listing.commonPrefixes.count == maxKeys {
                listing.isTruncated = true
                break
            }
            switch step {
            case .commonPrefix(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                listing.commonPrefixes.append(text)
                listing.last = text
            case .key(_, let object):
                listing.objects.append(object)
                listing.last = object.key
            }
        }
        return listing
    }

    // MARK: Multipart uploads

    var uploadsByID: [String: MultipartUploadRecord] = [:]
    var partsByUpload: [String: [Int: PartRecord]] = [:]
    /// Completions reading parts of an upload, by upload id.
    var completionsInProgress: [String: Int] = [:]
    /// Uploads whose joined body is being published as the object.
    var finishing: Set<String> = []
    /// Bytes of replaced parts a running completion may still be reading.
    var retiredPartFiles: [String: [String]] = [:]

    // MARK: Helpers

    /// How long the bytes of a replaced or deleted version stay, so that a GET which looked the
    /// object up just before can still stream them. A restart removes them at once.
    static let retiredVersionGrace: Duration = .seconds(60)

    nonisolated func removeLater(_ path: String) {
        retired.add(path)
        Task { [retired] in
            try? await Task.sleep(for: Self.retiredVersionGrace)
            retired.remove(path)
        }
    }

    /// Ends the store's use of its files: removes the bytes of replaced versions at once (nothing
    /// reads them any more) and marks the index trusted for the next start. Call it once every
    /// request has ended; nothing may change the store after it.
    func close() async throws {
        let (index, retired, log) = (index, retired, log)
        let trusted = try await StoreIO.run {
            Result {
                retired.removeAll()
                // Before the index says it is clean: a clean index means an empty log.
                try log?.stop()
                return try index.markClosed()
            }
        }.get()
        if !trusted {
            logger.warning("a change did not reach the index of keys; the next start rebuilds it from the files")
        }
    }

    /// Writes a bucket's record in the format its contents need.
    func writeBucket(_ bucket: StoredBucket, replaced: () -> Void = {}) throws {
        var bucket = bucket
        bucket.formatVersion = bucket.requiredFormat
        try writeJSON(bucket, to: bucketDirectory(bucket.name).appendingPathComponent("bucket.json"), replaced: replaced)
    }

    /// Replaces `url` with `value` through a fsynced temporary file, then fsyncs the folder.
    /// `replaced` runs right after the rename, from which point the new document is what is on
    /// disk, so the caller's index agrees with the disk even if the final fsync fails.
    func writeJSON<T: Encodable>(_ value: T, to url: URL, replaced: () -> Void = {}) throws {
        let data = try encoder.encode(value)
        let temporary = temporaryPath()
        try DurableFiles.createFile(temporary, contents: data)
        do {
            try DurableFiles.rename(temporary, to: url.path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        replaced()
        try DurableFiles.fsyncDirectory(url.deletingLastPathComponent().path)
    }

    /// Removes a folder as one step that a crash cannot leave half done: it is renamed into
    /// `.mss/tmp`, which every start empties, then removed.
    func removeDirectory(_ url: URL) throws {
        let doomed = temporaryPath()
        try DurableFiles.rename(url.path, to: doomed)
        try? DurableFiles.fsyncDirectory(url.deletingLastPathComponent().path)
        try? FileManager.default.removeItem(atPath: doomed)
    }

    /// Milliseconds, as S3 reports them.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
