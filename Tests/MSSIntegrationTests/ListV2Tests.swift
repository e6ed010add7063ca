import Foundation
import MSS
import S3Protocol
import Testing

/// ListObjectsV2 through the SDK: continuation tokens, start-after, fetch-owner and delimiters.
@Suite struct ListV2Tests {
    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func pagesWithTokensStartAfterAndOwners(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "v2") { _, bucket in
            let names = ["a", "b", "c d", "dir/1", "dir/2", "e+f", "z"]
            for name in names { try await bucket.newKey(name).setContents(name) }

            for size in [1, 2, 5] {
                var keys: [String] = []
                for try await case .object(let object) in bucket.keysV2(pageSize: size) { keys.append(object.key) }
                #expect(keys == names, "page size \(size)")
            }
            var after: [String] = []
            for try await case .object(let object) in bucket.keysV2(startAfter: "c d", pageSize: 2) { after.append(object.key) }
            #expect(after == ["dir/1", "dir/2", "e+f", "z"])

            let first = try await bucket.listPageV2(maxKeys: 3)
            #expect(first.isTruncated)
            #expect(first.objects.map(\.key) == ["a", "b", "c d"])
            #expect(first.keyCount == 3)
            let token = try #require(first.nextContinuationToken)
            let second = try await bucket.listPageV2(continuationToken: token, maxKeys: 3)
            #expect(second.objects.map(\.key) == ["dir/1", "dir/2", "e+f"])

            var entries: [ListEntry] = []
            for try await entry in bucket.keysV2(delimiter: "/", pageSize: 2) { entries.append(entry) }
            #expect(entries.contains(.commonPrefix("dir/")))
            #expect(entries.count == names.count - 1)

            let withOwner = try await bucket.listPageV2(fetchOwner: true)
            #expect(withOwner.objects.allSatisfy { $0.owner?.id.isEmpty == false })
            let withoutOwner = try await bucket.listPageV2()
            #expect(withoutOwner.objects.allSatisfy { $0.owner == nil })
            #expect(withOwner.objects.first?.size == 1)
        }
    }
}
