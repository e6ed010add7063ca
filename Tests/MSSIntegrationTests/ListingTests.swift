import Foundation
import MSS
import Testing

@Suite struct ListingTests {
    static let keys = [
        "a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d.txt", "e/4.txt", "f.txt", "Z-upper.txt", "é-accent.txt",
    ]

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func pagesPrefixesAndOrder(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            for key in Self.keys.shuffled() { try await bucket.newKey(key).setContents(key) }
            // S3 orders keys by their UTF-8 bytes: upper case before lower, accents last.
            let expected = Self.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }

            let all = try await bucket.allKeys()
            #expect(all.map(\.key) == expected)
            #expect(all.first { $0.key == "a.txt" }?.size == 5)
            #expect(all.allSatisfy { $0.etag?.count == 32 && $0.lastModified != nil })

            // Every page size gives the same listing.
            for pageSize in [1, 2, 4] {
                var seen: [String] = []
                for try await entry in bucket.keys(pageSize: pageSize) {
                    if case .object(let object) = entry { seen.append(object.key) }
                }
                #expect(seen == expected, "page size \(pageSize)")
            }

            // One page at a time, with marker.
            let first = try await bucket.listPage(maxKeys: 3)
            #expect(first.objects.map(\.key) == Array(expected.prefix(3)))
            #expect(first.isTruncated)
            let second = try await bucket.listPage(marker: first.nextMarker, maxKeys: 3)
            #expect(second.objects.map(\.key) == Array(expected.dropFirst(3).prefix(3)))

            #expect(try await bucket.allKeys(prefix: "b/").map(\.key) == ["b/1.txt", "b/2.txt", "b/c/3.txt"])
            #expect(try await bucket.allKeys(prefix: "nothing-here").isEmpty)

            // Delimiter: top-level objects plus the "folders".
            var top: [ListEntry] = []
            for try await entry in bucket.keys(delimiter: "/", pageSize: 2) { top.append(entry) }
            let objects = top.compactMap { if case .object(let o) = $0 { o.key } else { nil } }
            let prefixes = top.compactMap { if case .commonPrefix(let p) = $0 { p } else { nil } }
            #expect(objects == ["Z-upper.txt", "a.txt", "d.txt", "f.txt", "é-accent.txt"])
            #expect(prefixes == ["b/", "e/"])
            #expect(try await bucket.commonPrefixes(prefix: "b/") == ["b/c/"])
            let marker = try await bucket.listPage(marker: "b/2.txt").objects.map(\.key)
            #expect(marker == Array(expected.drop { $0 != "b/2.txt" }.dropFirst()))
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func manyKeysAcrossDefaultPages(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let names = (0..<1100).map { String(format: "many/%04d", $0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: names.count, by: 110) {
                    group.addTask {
                        for name in names[chunk..<min(chunk + 110, names.count)] {
                            try await bucket.newKey(name).setContents("")
                        }
                    }
                }
                try await group.waitForAll()
            }
            // More than one default page of 1,000.
            let listed = try await bucket.allKeys(prefix: "many/").map(\.key)
            #expect(listed == names)
        }
    }
}
