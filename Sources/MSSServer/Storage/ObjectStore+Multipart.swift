import Crypto
import Foundation
import S3Protocol

extension ObjectStore {
    /// S3's smallest part, except for the last one.
    static let minimumPartSize: Int64 = 5 << 20

    func loadUploads() {
        let directory = root.appendingPathComponent(".mss/uploads")
        for id in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let uploadURL = directory.appendingPathComponent(id)
            guard let record = readJSON(MultipartUploadRecord.self, at: uploadURL.appendingPathComponent("upload.json")),
                record.id == id
            else { continue }
            uploadsByID[id] = record
            var parts: [Int: PartRecord] = [:]
            for file in (try? FileManager.default.contentsOfDirectory(atPath: uploadURL.path)) ?? [] where file.hasPrefix("part-") && file.hasSuffix(".json") {
                if let part = readJSON(PartRecord.self, at: uploadURL.appendingPathComponent(file)) {
                    parts[part.number] = part
                }
            }
            partsByUpload[id] = parts
        }
    }

    nonisolated func partDataPath(upload: String, number: Int) -> String {
        uploadDirectory(upload).appendingPathComponent(Self.partName(number)).path
    }

    static func partName(_ number: Int) -> String {
        "part-" + String(repeating: "0", count: max(0, 5 - String(number).count)) + String(number)
    }

    func createUpload(bucket: String, template: StoredObject) throws(S3ServerError) -> MultipartUploadRecord {
        _ = try self.bucket(bucket)
        // Random and URL-safe, so it can travel in a query string untouched.
        let id = Digests.hex(SHA256.hash(data: Data(UUID().uuidString.utf8)))
        let record = MultipartUploadRecord(id: id, bucket: bucket, key: template.key, initiated: Self.now(), template: template)
        do {
            try FileManager.default.createDirectory(at: uploadDirectory(id), withIntermediateDirectories: true)
            try writeJSON(record, to: uploadDirectory(id).appendingPathComponent("upload.json"))
        } catch {
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

    func commitPart(_ part: PartRecord, upload id: String, temporaryPath: String) throws(S3ServerError) {
        guard uploadsByID[id] != nil else {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw .noSuchUpload(id)
        }
        do {
            try Self.rename(temporaryPath, to: partDataPath(upload: id, number: part.number))
            try writeJSON(part, to: uploadDirectory(id).appendingPathComponent(Self.partName(part.number) + ".json"))
        } catch {
            throw .internalError("cannot store the part: \(error)")
        }
        partsByUpload[id, default: [:]][part.number] = part
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
        try? FileManager.default.removeItem(at: uploadDirectory(id))
    }

    /// Checks the part list of a CompleteMultipartUpload against what was uploaded and returns the
    /// parts to join, in order.
    func partsToComplete(_ id: String, requested: [CompletedPart]) throws(S3ServerError) -> [PartRecord] {
        guard uploadsByID[id] != nil else { throw .noSuchUpload(id) }
        guard !requested.isEmpty else { throw .malformedXML("the part list is empty") }
        let stored = partsByUpload[id] ?? [:]
        var chosen: [PartRecord] = []
        var previous = 0
        for part in requested {
            guard part.partNumber > previous else {
                throw S3ServerError(400, .invalidPartOrder, "The list of parts was not in ascending order. Parts must be ordered by part number.")
            }
            previous = part.partNumber
            let etag = part.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard let record = stored[part.partNumber], record.etag == etag else {
                throw S3ServerError(
                    400, .invalidPart,
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
                    resource: "part \(part.partNumber)")
            }
            chosen.append(record)
        }
        for record in chosen.dropLast() where record.size < Self.minimumPartSize {
            throw S3ServerError(
                400, .entityTooSmall, "Your proposed upload is smaller than the minimum allowed object size.",
                details: ["PartNumber": String(record.number), "ProposedSize": String(record.size), "MinSizeAllowed": String(Self.minimumPartSize)])
        }
        return chosen
    }

    /// Commits the joined body of upload `id` and forgets the upload.
    func finishUpload(_ id: String, object: StoredObject, temporaryPath: String) throws(S3ServerError) -> StoredObject {
        guard let record = uploadsByID[id] else {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw .noSuchUpload(id)
        }
        let stored = try commit(bucket: record.bucket, object: object, temporaryPath: temporaryPath)
        abortUpload(id)
        return stored
    }

    /// The multipart ETag: MD5 of the parts' binary MD5s, then `-count`.
    static func multipartETag(_ parts: [PartRecord]) -> String {
        var md5 = Insecure.MD5()
        for part in parts {
            md5.update(data: hexBytes(part.etag))
        }
        return Digests.hex(md5.finalize()) + "-\(parts.count)"
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = hexValue(high), let l = hexValue(low) else { return [] }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
