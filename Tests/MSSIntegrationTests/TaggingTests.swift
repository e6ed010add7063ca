import Foundation
import MSS
import S3Protocol
import Testing

/// Object and bucket tags through the SDK, against every strict server (mss-server and Ceph
/// RGW both implement tagging; moto is left out, as it checks nothing).
@Suite struct TaggingTests {
    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func objectTagsRoundTripKeepingBytesAndETag(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "tag") { _, bucket in
            let key = bucket.newKey("tagged")
            let written = try await key.setContents("payload")
            #expect(try await key.tags().isEmpty)
            let tags: TagSet = ["zeta": "1", "alpha": "", "with space": "a+b-c=d.e_f:g/h@i"]
            try await key.setTags(tags)
            let read = try await key.tags()
            #expect(Set(read) == Set(tags))
            #expect(read["alpha"] == "")
            // mss-server keeps the order given; RGW answers in key order.
            #expect(read.map(\.key) == (target.server == "mss" ? ["zeta", "alpha", "with space"] : ["alpha", "with space", "zeta"]))
            let info = try await key.info()
            #expect(info?.etag == written.etag)
            #expect(info?.tagCount == 3)
            #expect(try await key.string() == "payload")
            try await key.setTags([:])
            #expect(try await key.tags().isEmpty)
            #expect(try await key.info()?.tagCount == 0)
            try await key.setTags(["a": "b"])
            try await key.deleteTags()
            #expect(try await key.tags().isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func refusalsAreTypedS3Errors(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "tag") { _, bucket in
            let key = bucket.newKey("k")
            try await key.setContents("x")
            let tooMany = TagSet((0..<11).map { TagSet.Tag(key: "k\($0)", value: "v") })
            let many = await #expect(throws: S3Error.self) { try await key.setTags(tooMany) }
            #expect(many?.status == 400)
            let long = await #expect(throws: S3Error.self) { try await key.setTags([String(repeating: "k", count: 129): "v"]) }
            #expect(long?.code.rawValue == "InvalidTag")
            if target.server == "mss" {
                #expect(many?.code.rawValue == "BadRequest")
                #expect(many?.message == "Object tags cannot be greater than 10")
                // RGW takes `aws:` keys, which S3 refuses.
                let reserved = await #expect(throws: S3Error.self) { try await key.setTags(["aws:x": "y"]) }
                #expect(reserved?.status == 400)
                #expect(reserved?.code.rawValue == "InvalidTag")
            }
            #expect(try await key.tags().isEmpty)
            let missing = await #expect(throws: S3Error.self) { try await bucket.newKey("none").tags() }
            #expect(missing?.code == .noSuchKey)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func tagsOnPutMultipartAndCopy(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "tagw") { _, bucket in
            let tags: TagSet = ["project": "atlas", "note": "two words + more"]
            let put = bucket.newKey("put")
            try await put.setContents("x", options: PutOptions(tags: tags))
            #expect(Set(try await put.tags()) == Set(tags))

            let upload = try await bucket.initiateMultipartUpload("multi", options: PutOptions(tags: ["stage": "mp"]))
            let part = try await upload.uploadPart(partNumber: 1, data: Data("part".utf8))
            try await upload.complete(parts: [part])
            // RGW drops the tags of a multipart upload and ignores the REPLACE directive.
            let rgw = target.server == "rgw"
            #expect(try await bucket.newKey("multi").tags() == (rgw ? [:] : ["stage": "mp"]))

            let kept = try await put.copy(key: "kept")
            #expect(Set(try await kept.tags()) == Set(tags))
            // RGW also drops the source's tags when the metadata is replaced, and takes any
            // character in a header's tags.
            if !rgw {
                // Tags in replaced metadata options do not count: the tagging directive decides.
                let metadataOnly = try await put.copy(key: "metadata-only", metadata: .replace(PutOptions(tags: ["ignored": "yes"])))
                #expect(Set(try await metadataOnly.tags()) == Set(tags))
                let replaced = try await put.copy(key: "replaced", tagging: .replace(["new": "tag"]))
                #expect(try await replaced.tags() == ["new": "tag"])
                let cleared = try await put.copy(key: "cleared", tagging: .replace([:]))
                #expect(try await cleared.tags().isEmpty)

                let refused = await #expect(throws: S3Error.self) {
                    try await bucket.newKey("refused").setContents("x", options: PutOptions(tags: ["k": "bad#value"]))
                }
                #expect(refused?.code.rawValue == "InvalidTag")
                #expect(try await !bucket.newKey("refused").exists())
            }
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func tagsOfVersions(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "tagv") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            let key = bucket.newKey("v")
            let first = try #require(try await key.setContents("1").versionID)
            let second = try #require(try await key.setContents("2").versionID)
            try await key.setTags(["gen": "one"], versionID: first)
            #expect(try await key.tags(versionID: first) == ["gen": "one"])
            #expect(try await key.tags(versionID: second).isEmpty)
            #expect(try await key.tags().isEmpty)
            try await key.deleteTags(versionID: first)
            #expect(try await key.tags(versionID: first).isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func bucketTags(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "tagb") { _, bucket in
            #expect(try await bucket.tags().isEmpty)
            let tags = TagSet((0..<50).map { TagSet.Tag(key: "key\($0)", value: "value \($0)") })
            try await bucket.setTags(tags)
            #expect(Set(try await bucket.tags()) == Set(tags))
            let tooMany = await #expect(throws: S3Error.self) {
                try await bucket.setTags(TagSet(tags.tags + [TagSet.Tag(key: "more", value: "x")]))
            }
            #expect(tooMany?.status == 400)
            #expect(Set(try await bucket.tags()) == Set(tags))
            try await bucket.deleteTags()
            #expect(try await bucket.tags().isEmpty)
        }
    }
}
