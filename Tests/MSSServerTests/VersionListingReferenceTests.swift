import Foundation
import Testing

@testable import MSSServer
import S3Protocol

/// Listings of a versioned bucket after random puts and deletes, with versioning enabled and
/// suspended in turn, against a model kept from what each call answered and a listing computed
/// the slow, obvious way: every version in S3's order, every page boundary, every restart of a
/// listing from a key marker, and the plain listing of the keys that are not deleted. A store
/// whose index changes (a database instead of memory, say) must still pass it unchanged.
@Suite struct VersionListingReferenceTests {
    /// One version as the model remembers it.
    struct Version: Equatable {
        var id: String
        var isMarker: Bool
    }

    /// An item of a version listing: a version (key, id, latest) or a common prefix.
    enum Item: Equatable, CustomStringConvertible {
        case version(key: String, id: String, isLatest: Bool, isMarker: Bool)
        case prefix(String)

        var description: String {
            switch self {
            case .version(let key, let id, let isLatest, let isMarker): "\(key)@\(id)\(isLatest ? "*" : "")\(isMarker ? "(marker)" : "")"
            case .prefix(let prefix): "\(prefix)…"
            }
        }

        /// What a key marker is compared with.
        var position: String {
            switch self {
            case .version(let key, _, _, _): key
            case .prefix(let prefix): prefix
            }
        }
    }

    static func precedes(_ a: String, _ b: String) -> Bool {
        Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
    }

    /// Every item S3 lists for `prefix` and `delimiter`, in order.
    static func reference(_ model: [String: [Version]], prefix: String, delimiter: String?) -> [Item] {
        var items: [Item] = []
        for key in model.keys.sorted(by: precedes) where key.hasPrefix(prefix) {
            guard let versions = model[key], !versions.isEmpty else { continue }
            if let delimiter, let range = key.dropFirst(prefix.count).range(of: delimiter) {
                let common = String(key[..<range.upperBound])
                if items.last != .prefix(common) { items.append(.prefix(common)) }
                continue
            }
            for (index, version) in versions.enumerated() {
                items.append(.version(key: key, id: version.id, isLatest: index == 0, isMarker: version.isMarker))
            }
        }
        return items
    }

    static func items(of page: ObjectStore.VersionListing) -> [Item] {
        // A page holds versions and prefixes; S3 returns them in two lists, but their order is
        // the keys' order, which the position of each item gives back.
        let versions = page.entries.map {
            Item.version(key: $0.object.key, id: $0.object.versionIDText, isLatest: $0.isLatest, isMarker: $0.object.isDeleteMarker)
        }
        let prefixes = page.commonPrefixes.map { Item.prefix($0) }
        var merged: [Item] = []
        var v = versions[...]
        var p = prefixes[...]
        while let nextVersion = v.first, let nextPrefix = p.first {
            if precedes(nextPrefix.position, nextVersion.position) {
                merged.append(nextPrefix)
                p = p.dropFirst()
            } else {
                merged.append(nextVersion)
                v = v.dropFirst()
            }
        }
        return merged + v + p
    }

    @Test func versionListingsMatchTheReference() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("versioned", acl: .private)
        var generator = SystemRandomNumberGenerator()
        let alphabet = ["a", "b", "/", "é", "-"]
        var names = Set<String>()
        while names.count < 40 {
            names.insert((0..<Int.random(in: 1...4, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" }.joined())
        }
        let keys = Array(names)
        var model: [String: [Version]] = [:]
        // A few objects from before versioning: their version is "null".
        for key in keys.prefix(8) {
            try await StoreFixture.put(store, bucket: "versioned", key: key, body: "before")
            model[key] = [Version(id: "null", isMarker: false)]
        }
        var state = VersioningState.enabled
        try await store.setVersioning("versioned", state)
        for step in 0..<360 {
            if step % 120 == 119 {
                state = state == .enabled ? .suspended : .enabled
                try await store.setVersioning("versioned", state)
            }
            let key = keys.randomElement(using: &generator) ?? "a"
            var versions = model[key] ?? []
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<6:
                let stored = try await StoreFixture.put(store, bucket: "versioned", key: key, body: "\(step)")
                if state == .suspended { versions.removeAll { $0.id == "null" } }
                versions.insert(Version(id: stored.versionIDText, isMarker: false), at: 0)
            case 6..<8:
                let outcome = try await store.deleteObject(bucket: "versioned", key: key)
                #expect(outcome.deleteMarker)
                if state == .suspended { versions.removeAll { $0.id == "null" } }
                versions.insert(Version(id: outcome.versionID ?? "null", isMarker: true), at: 0)
            default:
                guard let victim = versions.randomElement(using: &generator) else { continue }
                try await store.deleteObject(bucket: "versioned", key: key, versionID: victim.id)
                versions.removeAll { $0.id == victim.id }
            }
            model[key] = versions.isEmpty ? nil : versions
        }

        for _ in 0..<150 {
            let prefix = ["", "a", "b/", "/", "é", "a-"].randomElement(using: &generator) ?? ""
            let delimiter = [nil, "/", "-", "é"].randomElement(using: &generator) ?? nil
            let maxKeys = Int.random(in: 1...7, using: &generator)
            let expected = Self.reference(model, prefix: prefix, delimiter: delimiter)
            let context = "prefix \(prefix) delimiter \(delimiter ?? "-") max \(maxKeys)"

            // Paged to the end with the markers each page gives.
            var listed: [Item] = []
            var keyMarker: String?
            var versionMarker: String?
            var pages = 0
            while true {
                let page = try await store.listVersions(
                    bucket: "versioned", prefix: prefix, delimiter: delimiter, keyMarker: keyMarker, versionIDMarker: versionMarker, maxKeys: maxKeys)
                let items = Self.items(of: page)
                #expect(items.count <= maxKeys, "\(context)")
                listed += items
                pages += 1
                guard page.isTruncated, pages <= expected.count + 1 else { break }
                #expect(!items.isEmpty, "\(context): a truncated page with nothing on it")
                keyMarker = page.nextKeyMarker
                versionMarker = page.nextVersionIDMarker
            }
            #expect(listed == expected, "\(context): \(listed) != \(expected)")

            // Started from an arbitrary key marker: everything after it, as far as the page goes.
            let marker = (keys.randomElement(using: &generator) ?? "a") + (Bool.random(using: &generator) ? "" : "a")
            let page = try await store.listVersions(
                bucket: "versioned", prefix: prefix, delimiter: delimiter, keyMarker: marker, versionIDMarker: nil, maxKeys: maxKeys)
            let after = expected.filter { Self.precedes(marker, $0.position) }
            #expect(Self.items(of: page) == Array(after.prefix(maxKeys)), "\(context) marker \(marker)")
            #expect(page.isTruncated == (after.count > maxKeys), "\(context) marker \(marker)")

            // The plain listing shows the keys whose newest version is not a delete marker.
            let live = model.filter { $0.value.first?.isMarker == false }.map(\.key)
            let plain = try await store.list(bucket: "versioned", prefix: prefix, delimiter: delimiter, marker: nil, maxKeys: 1000)
            let reference = ObjectStoreTests.referenceListing(keys: live, prefix: prefix, delimiter: delimiter, marker: nil, maxKeys: 1000)
            #expect(
                (plain.objects.map(\.key) + plain.commonPrefixes).sorted(by: Self.precedes) == reference.entries, "\(context) plain listing")
        }
    }
}
