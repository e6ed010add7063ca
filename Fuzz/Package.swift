// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for the parsers that read untrusted bytes. Each target defines
// `LLVMFuzzerTestOneInput` and has no `main` (libFuzzer supplies it), so they live in this
// separate package: a plain `swift build` of the root package never sees them.
//
// Build and run them with `bash Fuzz/run.sh [SECONDS_PER_TARGET]`, which passes
// `--sanitize=fuzzer -Xswiftc -parse-as-library`.
let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
    ("FuzzHTTPDate", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzRangeHeader", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzAuthorizationHeader", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzPresignedQuery", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzAWSChunked", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzXML", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzPostForm", [.product(name: "S3Protocol", package: "swift-mss")]),
    ("FuzzImageProcess", [.product(name: "MSSImageProcess", package: "swift-mss")]),
    ("FuzzStoreRecords", [.product(name: "MSSStoreFormat", package: "swift-mss")]),
]

let package = Package(
    name: "swift-mss-fuzz",
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    dependencies: [
        .package(name: "swift-mss", path: "..")
    ],
    targets: fuzzTargets.map { target in
        .executableTarget(name: target.name, dependencies: target.dependencies)
    },
    swiftLanguageModes: [.v6]
)
