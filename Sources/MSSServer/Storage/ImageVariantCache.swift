import Crypto
import Foundation
import NIOCore
import S3Protocol
import Synchronization
import _NIOFileSystem

/// Rendered image variants kept on disk, so the image service renders a given source version
/// and process string once. A variant is named by the SHA-256 of everything that decides its
/// pixels: bucket, key, the source's data version (new on every write), the canonical process
/// string and the versions of any watermark objects. A changed or deleted source therefore never
/// matches an old variant; those are also dropped when the S3 API changes the key, and the least
/// recently used go once the cache passes its size limit.
///
/// Variants live in `.mss/image-cache/HH/HASH`: a header line, a JSON line (content type, ETag)
/// and the encoded bytes, written to a temporary name and renamed, so a reader never sees half a
/// variant. The cache is a cache: a lost or unreadable variant is rendered again, nothing is
/// fsynced, and files under `.mss/image-cache/tmp` are leftovers of a crash, removed at start.
/// Authorisation is decided before the cache is asked, so it never lets a caller read a variant
/// of a source it may not read.
final class ImageVariantCache: Sendable {
    /// What identifies a variant.
    struct Key: Sendable, Hashable {
        var bucket: String
        var key: String
        /// ``StoredObject/version`` of the source.
        var sourceVersion: String
        /// ``ImageProcess/rendered``: equivalent spellings share a variant.
        var process: String
        /// `key=version` of each watermark object the process reads, sorted.
        var watermarks: [String] = []

        var name: String {
            // Length-prefixed fields: no two keys encode alike whatever their text.
            var encoded = Data()
            for field in [bucket, key, sourceVersion, process] + watermarks {
                encoded.append(contentsOf: "\(field.utf8.count):".utf8)
                encoded.append(contentsOf: field.utf8)
            }
            return Digests.hex(SHA256.hash(data: encoded))
        }

        var source: String { "\(bucket)/\(key)" }
    }

    struct Variant: Sendable {
        var bytes: ByteBuffer
        var contentType: String
        /// The ETag of the bytes, unquoted.
        var etag: String
    }

    private struct Header: Codable {
        var contentType: String
        var etag: String
    }

    private struct Entry {
        var size: Int64
        var lastUse: UInt64
        var source: String?
    }

    private struct Index {
        var entries: [String: Entry] = [:]
        var bySource: [String: Set<String>] = [:]
        var total: Int64 = 0
        var clock: UInt64 = 0

        mutating func remove(_ name: String) -> Entry? {
            guard let entry = entries.removeValue(forKey: name) else { return nil }
            total -= entry.size
            if let source = entry.source {
                bySource[source]?.remove(name)
                if bySource[source]?.isEmpty == true { bySource[source] = nil }
            }
            return entry
        }
    }

    private static let magic = "MSS-IMAGE-VARIANT 1\n"
    /// Largest header line read back; anything longer is not a variant this server wrote.
    private static let maximumHeader = 1024

    let directory: String
    /// Bytes the variants may take on disk; 0 turns the cache off.
    let capacity: Int64
    private let index = Mutex(Index())

    /// Opens the cache under `directory` (creating it, 0700), removes the leftovers of interrupted
    /// writes, and indexes the variants already there, oldest first.
    init(directory: String, capacity: Int64) async throws {
        self.directory = directory
        self.capacity = max(0, capacity)
        let fileSystem = FileSystem.shared
        try await fileSystem.createDirectory(
            at: FilePath(directory + "/tmp"), withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
        try await fileSystem.removeItem(at: FilePath(directory + "/tmp"), strategy: .platformDefault, recursively: true)
        try await fileSystem.createDirectory(at: FilePath(directory + "/tmp"), withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
        var found: [(name: String, size: Int64, modified: FileInfo.Timespec)] = []
        try await fileSystem.withDirectoryHandle(atPath: FilePath(directory)) { root in
            for try await shard in root.listContents() where shard.type == .directory && shard.name.string.utf8.count == 2 {
                try await fileSystem.withDirectoryHandle(atPath: shard.path) { files in
                    for try await file in files.listContents() where file.type == .regular {
                        guard let info = try await fileSystem.info(forFileAt: file.path) else { continue }
                        found.append((file.name.string, info.size, info.lastDataModificationTime))
                    }
                }
            }
        }
        found.sort { ($0.modified.seconds, $0.modified.nanoseconds) < ($1.modified.seconds, $1.modified.nanoseconds) }
        index.withLock { index in
            for file in found {
                index.clock += 1
                // The source of a variant from an earlier run is not known; its key still pins
                // the source version, so it is served only while that version is current.
                index.entries[file.name] = Entry(size: file.size, lastUse: index.clock, source: nil)
                index.total += file.size
            }
        }
        await evict()
    }

    private func path(_ name: String) -> String {
        "\(directory)/\(name.prefix(2))/\(name)"
    }

    /// The cached variant for `key`, or nil (not cached, or unreadable: then forgotten).
    func variant(for key: Key) async -> Variant? {
        let name = key.name
        let known = index.withLock { index -> Bool in
            guard index.entries[name] != nil else { return false }
            index.clock += 1
            index.entries[name]?.lastUse = index.clock
            return true
        }
        guard known else { return nil }
        do {
            let contents = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path(name))) { file in
                try await file.readToEnd(maximumSizeAllowed: .bytes(capacity + Int64(Self.maximumHeader)))
            }
            if let variant = Self.decode(contents) { return variant }
        } catch {
            // Evicted meanwhile, or unreadable: rendered again.
        }
        _ = index.withLock { $0.remove(name) }
        _ = try? await FileSystem.shared.removeItem(at: FilePath(path(name)), strategy: .platformDefault, recursively: false)
        return nil
    }

    /// Keeps `variant` for `key`, then evicts the least recently used past the size limit. A
    /// variant larger than the whole cache is not kept. Failures only mean a later render.
    func store(_ variant: Variant, for key: Key) async {
        let header = (try? JSONEncoder().encode(Header(contentType: variant.contentType, etag: variant.etag))) ?? Data()
        var contents = ByteBuffer()
        contents.writeString(Self.magic)
        contents.writeBytes(header)
        contents.writeString("\n")
        var bytes = variant.bytes
        contents.writeBuffer(&bytes)
        let size = Int64(contents.readableBytes)
        guard capacity > 0, size <= capacity else { return }
        let name = key.name
        let temporary = "\(directory)/tmp/\(UUID.random().uuidString)"
        do {
            try await FileSystem.shared.createDirectory(
                at: FilePath("\(directory)/\(name.prefix(2))"), withIntermediateDirectories: true, permissions: [.ownerReadWriteExecute])
            try await FileSystem.shared.withFileHandle(
                forWritingAt: FilePath(temporary), options: .newFile(replaceExisting: false, permissions: [.ownerReadWrite])
            ) { file in
                _ = try await file.write(contentsOf: contents.readableBytesView, toAbsoluteOffset: 0)
            }
            do {
                try await FileSystem.shared.moveItem(at: FilePath(temporary), to: FilePath(path(name)))
            } catch let error as FileSystemError where error.code == .fileAlreadyExists {
                // Another request stored the same variant first, or a damaged one is there: the
                // new file takes its place.
                try await FileSystem.shared.removeItem(at: FilePath(path(name)), strategy: .platformDefault, recursively: false)
                try await FileSystem.shared.moveItem(at: FilePath(temporary), to: FilePath(path(name)))
            }
        } catch {
            _ = try? await FileSystem.shared.removeItem(at: FilePath(temporary))
            return
        }
        index.withLock { index in
            _ = index.remove(name)
            index.clock += 1
            index.entries[name] = Entry(size: size, lastUse: index.clock, source: key.source)
            index.bySource[key.source, default: []].insert(name)
            index.total += size
        }
        await evict()
    }

    /// Forgets every variant of `key` in `bucket` made since this server started (older ones
    /// cannot match a newer source version and go by age).
    func invalidate(bucket: String, key: String) async {
        let names = index.withLock { index -> [String] in
            let names = Array(index.bySource["\(bucket)/\(key)"] ?? [])
            for name in names { _ = index.remove(name) }
            return names
        }
        for name in names { _ = try? await FileSystem.shared.removeItem(at: FilePath(path(name))) }
    }

    /// Bytes the indexed variants take.
    var size: Int64 { index.withLock { $0.total } }
    var count: Int { index.withLock { $0.entries.count } }

    /// Removes the least recently used variants until the cache is within nine tenths of its
    /// limit, so a full cache does not evict on every new variant.
    private func evict() async {
        let victims = index.withLock { index -> [String] in
            guard index.total > capacity else { return [] }
            let target = capacity / 10 * 9
            var victims: [String] = []
            for (name, _) in index.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard index.total > target else { break }
                _ = index.remove(name)
                victims.append(name)
            }
            return victims
        }
        for name in victims { _ = try? await FileSystem.shared.removeItem(at: FilePath(path(name))) }
    }

    private static func decode(_ contents: ByteBuffer) -> Variant? {
        var buffer = contents
        guard buffer.readString(length: magic.utf8.count) == magic else { return nil }
        let headerView = buffer.readableBytesView.prefix(maximumHeader)
        guard let newline = headerView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let headerLength = newline - headerView.startIndex
        guard let headerBytes = buffer.readBytes(length: headerLength),
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes))
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        return Variant(bytes: buffer, contentType: header.contentType, etag: header.etag)
    }
}
