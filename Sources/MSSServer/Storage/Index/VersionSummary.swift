import Foundation

/// The versions of one key as a version listing needs them, newest first, in a compact binary
/// form kept in the index beside the key's document: decoding a JSON document per key made a
/// page of a thousand versions take 50 ms.
///
/// Per version: a flags byte (1 delete marker, 2 has a version id, 4 has an owner), the size and
/// the date in milliseconds (8 bytes each, little-endian), then the ETag, the version id and the
/// owner as a 4-byte length and UTF-8 bytes, the last two only when flagged. Decoding checks
/// every length against what is left, as an index file may be damaged.
enum VersionSummary {
    struct Damaged: Error, CustomStringConvertible {
        var description: String { "a version summary in the index is damaged" }
    }

    static func encode(_ stored: StoredKey) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stored.versions.count * 64)
        for version in stored.versions {
            let flags: UInt8 = (version.isDeleteMarker ? 1 : 0) | (version.versionID != nil ? 2 : 0) | (version.acl.owner != nil ? 4 : 0)
            bytes.append(flags)
            append(UInt64(bitPattern: version.size), to: &bytes)
            append(UInt64(bitPattern: KeyIndex.milliseconds(version.lastModified)), to: &bytes)
            append(version.etag, to: &bytes)
            if let versionID = version.versionID { append(versionID, to: &bytes) }
            if let owner = version.acl.owner { append(owner, to: &bytes) }
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8], key: String) throws(Damaged) -> [ListedVersion] {
        var reader = Reader(bytes: bytes)
        var versions: [ListedVersion] = []
        while !reader.isAtEnd {
            let flags = try reader.byte()
            let size = Int64(bitPattern: try reader.integer())
            let milliseconds = Int64(bitPattern: try reader.integer())
            let etag = try reader.string()
            let versionID = flags & 2 != 0 ? try reader.string() : nil
            let owner = flags & 4 != 0 ? try reader.string() : nil
            versions.append(
                ListedVersion(
                    key: key, versionID: versionID, isDeleteMarker: flags & 1 != 0, size: size, etag: etag,
                    lastModified: Date(timeIntervalSince1970: Double(milliseconds) / 1000), owner: owner))
        }
        return versions
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        let count = UInt32(clamping: utf8.count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        bytes.append(contentsOf: utf8.prefix(Int(count)))
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func byte() throws(Damaged) -> UInt8 {
            guard offset < bytes.count else { throw Damaged() }
            offset += 1
            return bytes[offset - 1]
        }

        mutating func integer() throws(Damaged) -> UInt64 {
            guard bytes.count - offset >= 8 else { throw Damaged() }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(index * 8) }
            offset += 8
            return value
        }

        mutating func string() throws(Damaged) -> String {
            guard bytes.count - offset >= 4 else { throw Damaged() }
            var count = 0
            for index in 0..<4 { count |= Int(bytes[offset + index]) << (index * 8) }
            offset += 4
            guard count <= bytes.count - offset else { throw Damaged() }
            defer { offset += count }
            return String(decoding: bytes[offset..<offset + count], as: UTF8.self)
        }
    }
}
