import Foundation
import Testing

@testable import MSSCLI

@Suite struct LocationTests {
    @Test func remoteAndLocalPaths() throws {
        #expect(try Location("mss://bucket/a/b.txt") == .remote(bucket: "bucket", key: "a/b.txt"))
        #expect(try Location("s3://bucket") == .remote(bucket: "bucket", key: ""))
        #expect(try Location("mss://bucket/") == .remote(bucket: "bucket", key: ""))
        #expect(try Location("./file.txt") == .local("./file.txt"))
        #expect(throws: CLIError.self) { try Location("mss:///key") }
        #expect(throws: CLIError.self) { try Location("https://example.com/x") }
    }

    @Test func destinationsAndPrefixes() {
        #expect(Copier.destinationKey("", name: "a.txt") == "a.txt")
        #expect(Copier.destinationKey("docs/", name: "a.txt") == "docs/a.txt")
        #expect(Copier.destinationKey("docs/b.txt", name: "a.txt") == "docs/b.txt")
        #expect(Copier.treePrefix("t") == "t/")
        #expect(Copier.treePrefix("") == "")
    }

    @Test func contentTypesByExtension() {
        #expect(ContentType.guess("photo.JPG") == "image/jpeg")
        #expect(ContentType.guess("dir.v2/README") == nil)
        #expect(ContentType.guess(".bashrc") == nil)
    }
}

@Suite struct SyncPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func item(_ name: String, _ size: Int64, _ age: TimeInterval, etag: String? = nil) -> SyncPlan.Item {
        SyncPlan.Item(relative: name, size: size, modified: now.addingTimeInterval(-age), etag: etag)
    }

    @Test func copiesMissingChangedAndNewerOnly() {
        let source = [item("new", 1, 0), item("resized", 5, 100), item("newer", 3, 10), item("older", 3, 500), item("same", 3, 100)]
        let destination = [item("resized", 4, 100), item("newer", 3, 100), item("older", 3, 100), item("same", 3, 100.5), item("extra", 1, 0)]
        let plan = SyncPlan(source: source, destination: destination, deleting: false)
        #expect(plan.copy.map(\.item.relative) == ["new", "resized", "newer"])
        #expect(plan.copy.map(\.reason) == [.missing, .size, .newer])
        #expect(plan.delete.isEmpty)
        let deleting = SyncPlan(source: source, destination: destination, deleting: true)
        #expect(deleting.delete.map(\.relative) == ["extra"])
    }

    @Test func sameContentSkipsANewerTimestamp() {
        let plan = SyncPlan(source: [item("touched", 3, 0)], destination: [item("touched", 3, 100, etag: "abc")], deleting: false) { _, other in
            other.etag == "abc"
        }
        #expect(plan.copy.isEmpty)
    }
}

@Suite struct OutputFormatTests {
    @Test func jsonLinesAreStableAndEscaped() {
        let value = JSONValue.object(["b": .int(2), "a": .string("quote \" and\nnewline\u{1}"), "c": .array([.bool(true), .null])])
        #expect(value.rendered == #"{"a":"quote \" and\nnewline\u0001","b":2,"c":[true,null]}"#)
    }

    @Test func humanSizesAndDurations() {
        #expect(HumanFormat.size(512) == "512 B")
        #expect(HumanFormat.size(1536) == "1.5 KiB")
        #expect(HumanFormat.size(40_000_000) == "38 MiB")
        #expect(HumanFormat.duration(seconds: 75) == "1m15s")
        #expect(HumanFormat.duration(seconds: .infinity) == "--")
    }

    @Test func profileSettingsAreChecked() throws {
        try Profile.validate(key: "endpoint", value: "https://mtmss.com")
        #expect(throws: CLIError.self) { try Profile.validate(key: "endpoint", value: "mtmss.com") }
        #expect(throws: CLIError.self) { try Profile.validate(key: "signature", value: "v3") }
        #expect(throws: CLIError.self) { try Profile.validate(key: "colour", value: "blue") }
        var profile = Profile()
        profile["secret-key"] = "s"
        #expect(profile.secretKey == "s")
    }
}
