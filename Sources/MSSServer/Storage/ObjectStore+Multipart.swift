import Crypto
import Foundation
import NIOFileSystem
import S3Protocol
import HTTPTypes

extension ObjectStore {
    /// S3's smallest part, except for the last one.
    static let minimumPartSize = S3Limits.minimumPartSize

    /// Where the bytes of `part` are.
    nonisolated func partDataPath(upload: String, part: PartRecord) -> String {
        uploadDirectory(upload).appendingPathComponent(Self.partFileName(part)).path
    }

    static func partFileName(_ part: PartRecord) -> String {
        part.file ?? paddedPartName(part.number)
    }

    /// `part-NNNNN.json`, the one record of a part number, replaced by each upload of it.
    static func partRecordName(_ number: Int) -> String {
        paddedPartName(number) + ".json"
    }

    /// The number in a part data file name (`part-NNNNN` or `part-NNNNN-SUFFIX`).
    static func partNumber(fileName: String) -> Int? {
        guard fileName.hasPrefix("part-") else { return nil }
        let digits = fileName.dropFirst("part-".count).prefix { $0 != "-" }
        guard digits.count == 5, digits.allSatisfy(\.isASCII) else { return nil }
        return Int(digits)
    }

    private static func paddedPartName(_ number: Int) -> String {
        "part-" + String(repeating: "0", count: max(0, 5 - String(number).count)) + String(number)
    }

    func createUpload(bucket: String, template: StoredObject) throws(S3ServerError) -> MultipartUploadRecord {
        _ = try self.bucket(bucket)
        // Random and URL-safe, so it can travel in a query string untouched.
        let id = Digests.hex(SHA256.hash(data: Data(UUID.random().uuidString.utf8)))
        var record = MultipartUploadRecord(id: id, bucket: bucket, key: template.key, initiated: Self.now(), template: template)
        // An owned ACL in the template is what a server from before users would misread.
        record.formatVersion =
            template.encryption != nil || template.tags != nil ? .governance : template.acl.owner == nil ? .initial : .versions
        do {
            try DurableFiles.ensureDirectory(uploadDirectory(id).path)
            try writeJSON(record, to: uploadDirectory(id).appendingPathComponent("upload.json"))
        } catch {
            try? removeDirectory(uploadDirectory(id))
            throw .internalError("cannot create the upload: \(error)")
        }
        uploadsByID[id] = record
        partsByUpload[id] = [:]
        return record
    }

    /// The upload `id` of `key` in `bucket`, or NoSuchUpload.
    func upload(_ id: String, bucket: String, key: String) throws(S3ServerError) -> MultipartUploadRecord {
        _ = try self.bucket(bucket)
        guard let record = uploadsByID[id], record.bucket == bucket, record.key == key else { throw .noSuchUpload(id) }
        return record
    }

    /// Stores the body at `temporaryPath` as `part`, replacing an earlier upload of its number.
    /// The temporary file is gone afterwards, whatever happens; an upload that was completed or
    /// aborted meanwhile gives NoSuchUpload. Uploads of one part number take turns; the disk work
    /// runs on ``StoreIO`` (made durable with others through ``DurabilityBarrier``) while the
    /// actor serves everything else.
    @discardableResult
    func commitPart(_ part: PartRecord, upload id: String, temporaryPath: String) async throws(S3ServerError) -> PartRecord {
        var part = part
        part.file = Self.paddedPartName(part.number) + "-" + UUID.random().uuidString.lowercased()
        part.formatVersion = part.noncePrefix == nil ? .initial : .governance
        // No bucket is named with a slash, so these turns never meet a key's.
        return try await withKeyLock(bucket: "/uploads", key: "\(id)/\(part.number)") { () async throws(S3ServerError) -> PartRecord in
            guard uploadsByID[id] != nil else {
                try? FileManager.default.removeItem(atPath: temporaryPath)
                throw .noSuchUpload(id)
            }
            let directory = uploadDirectory(id).path
            let path = partDataPath(upload: id, part: part)
            let recordPath = directory + "/" + Self.partRecordName(part.number)
            let temporary = self.temporaryPath()
            let barrier = barrier
            let outcome: KeyDocumentOutcome
            do {
                let record = try encoder.encode(part)
                // Never creating the folder: an upload aborted meanwhile fails the rename.
                outcome = try await StoreIO.run {
                    KeyDocumentOutcome.publish(
                        document: record, at: recordPath, shard: directory, temporary: temporary, data: IncomingData(source: .file(temporaryPath), destination: path),
                        barrier: barrier, makingFolder: false)
                }
            } catch {
                try? FileManager.default.removeItem(atPath: temporaryPath)
                outcome = KeyDocumentOutcome(visible: false, failure: "\(error)")
            }
            let recorded = outcome.visible
            // Aborted or completed while the part was being written: its folder is gone, or
            // going, with it.
            guard uploadsByID[id] != nil else {
                try? FileManager.default.removeItem(atPath: path)
                if recorded { try? FileManager.default.removeItem(atPath: recordPath) }
                throw .noSuchUpload(id)
            }
            if recorded {
                if let previous = partsByUpload[id]?[part.number] {
                    retirePartFile(partDataPath(upload: id, part: previous), upload: id)
                }
                partsByUpload[id, default: [:]][part.number] = part
            }
            if let failure = outcome.failure { throw .internalError("cannot store the part: \(failure)") }
            return part
        }
    }

    /// Removes the bytes of a replaced part, unless a completion that may have chosen them is
    /// still reading: then they go when the last such completion ends.
    private func retirePartFile(_ path: String, upload id: String) {
        if completionsInProgress[id, default: 0] > 0 {
            retiredPartFiles[id, default: []].append(path)
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    func parts(of id: String) -> [PartRecord] {
        (partsByUpload[id] ?? [:]).values.sorted { $0.number < $1.number }
    }

    func uploads(bucket: String) throws(S3ServerError) -> [MultipartUploadRecord] {
        _ = try self.bucket(bucket)
        return uploadsByID.values.filter { $0.bucket == bucket }.sorted {
            $0.key == $1.key ? $0.initiated < $1.initiated : Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8))
        }
    }

    func abortUpload(_ id: String) {
        uploadsByID[id] = nil
        partsByUpload[id] = nil
        completionsInProgress[id] = nil
        retiredPartFiles[id] = nil
        if (try? removeDirectory(uploadDirectory(id))) == nil {
            try? FileManager.default.removeItem(at: uploadDirectory(id))
        }
    }

    /// Checks the part list of a CompleteMultipartUpload against what was uploaded and returns the
    /// parts to join, in order. Until ``endCompletion(_:)`` or ``finishUpload(_:object:temporaryPath:)``,
    /// the files of these parts stay even if their numbers are uploaded again.
    func beginCompletion(_ id: String, requested: [CompletedPart]) throws(S3ServerError) -> [PartRecord] {
        guard uploadsByID[id] != nil else { throw .noSuchUpload(id) }
        guard !requested.isEmpty else { throw .malformedXML("the part list is empty") }
        let stored = partsByUpload[id] ?? [:]
        var chosen: [PartRecord] = []
        var previous = 0
        for part in requested {
            guard part.partNumber > previous else {
                throw S3ServerError(.badRequest, .invalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
            }
            previous = part.partNumber
            let etag = part.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard let record = stored[part.partNumber], record.etag == etag else {
                throw S3ServerError(
                    .badRequest, .invalidPart,
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                    resource: "part \(part.partNumber)")
            }
            chosen.append(record)
        }
        for record in chosen.dropLast() where record.size < Self.minimumPartSize {
            throw S3ServerError(
                .badRequest, .entityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.",
                details: ["PartNumber": String(record.number), "ProposedSize": String(record.size), "MinSizeAllowed": String(Self.minimumPartSize)])
        }
        completionsInProgress[id, default: 0] += 1
        return chosen
    }

    /// Ends a completion that failed before ``finishUpload(_:object:temporaryPath:)``.
    func endCompletion(_ id: String) {
        guard let count = completionsInProgress[id] else { return }
        if count > 1 {
            completionsInProgress[id] = count - 1
            return
        }
        completionsInProgress[id] = nil
        for path in retiredPartFiles.removeValue(forKey: id) ?? [] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    func uploadExists(_ id: String) -> Bool {
        uploadsByID[id] != nil
    }

    /// Joins exactly the files of `parts` into a new private file at `path`, not fsynced (the
    /// commit makes it durable). Outside
    /// the actor: it streams gigabytes. Encrypted parts (`sealedChunkSize` set) are joined as
    /// sealed, without their key: each keeps its own chunk sequence (see ``StoredEncryption``).
    nonisolated func joinParts(_ parts: [PartRecord], upload id: String, into path: String, sealedChunkSize: Int? = nil) async throws {
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(path), options: .freshPrivateFile
        ) { output in
            var writer = output.bufferedWriter(capacity: .mebibytes(1))
            for part in parts {
                try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(partDataPath(upload: id, part: part))) { input in
                    let length = sealedChunkSize.map { EncryptionLayout.storedSize(plaintext: part.size, chunkSize: $0) } ?? part.size
                    for try await chunk in input.readChunks(in: 0..<length, chunkLength: .mebibytes(1)) {
                        try await writer.write(contentsOf: chunk)
                    }
                }
            }
            try await writer.flush()
        }
    }

    /// Commits the joined body of upload `id` and forgets the upload.
    func finishUpload(
        _ id: String, object: StoredObject, temporaryPath: String, precondition: WritePrecondition = .none
    ) async throws(S3ServerError) -> StoredObject {
        // One completion publishes: a second one running at the same time finds the upload gone,
        // as it would after the first had ended.
        guard let record = uploadsByID[id], finishing.insert(id).inserted else {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw .noSuchUpload(id)
        }
        defer { finishing.remove(id) }
        let stored = try await commit(bucket: record.bucket, object: object, temporaryPath: temporaryPath, precondition: precondition)
        abortUpload(id)
        return stored
    }

    /// The multipart ETag: MD5 of the parts' binary MD5s, then `-count`. Parts stored here
    /// always carry plain MD5 ETags.
    static func multipartETag(_ parts: [PartRecord]) -> String {
        Digests.multipartETag(partETags: parts.map(\.etag)) ?? ""
    }
}
