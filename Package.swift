// swift-tools-version:6.1
import PackageDescription

/// What every target of the package is compiled with: `any` spelled out, imports that say what
/// they expose (`public import` only where a module's types appear in public API) and members
/// visible only from modules a file imports itself.
let languageFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-mss",
    // The SDK (`MSS`) and what it imports. Their minimums are those of the Swift 6 runtime, which
    // `Synchronization.Mutex` needs; `scripts/check-availability.sh` checks the sources against them.
    // The server, the image service and the command line run on Linux and macOS.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "MSS", targets: ["MSS"]),
        .library(name: "S3Protocol", targets: ["S3Protocol"]),
        .library(name: "MSSImageProcess", targets: ["MSSImageProcess"]),
        .library(name: "MSSServer", targets: ["MSSServer"]),
        // The server's own on-disk records, for the fuzz targets over their readers.
        .library(name: "MSSStoreFormat", targets: ["MSSStoreFormat"]),
        .executable(name: "mss", targets: ["mss"]),
        .executable(name: "mss-server", targets: ["mss-server"]),
        .executable(name: "mss-quickstart", targets: ["QuickStart"]),
        .executable(name: "mss-transfer", targets: ["TransferTool"]),
    ],
    traits: [
        .trait(
            name: "ImageService",
            description: "The image service of mss-server (`GET /bucket/key@process` on its own port), rendered with libvips."),
        .default(enabledTraits: ["ImageService"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.8.0"),
        // `swift package generate-documentation --target MSS` builds the DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // MARK: Shared by both sides of the wire

        // S3's rules: signing, canonicalisation, XML documents, errors, names, limits. No
        // networking, so it is testable with fixed dates; the client and the server both use it.
        .target(name: "S3Protocol", dependencies: ["CCRC32C", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: languageFeatures),
        // CRC-32C with the processor's instruction, for S3Protocol's checksums.
        .target(name: "CCRC32C"),
        // MD5 of local files and file regions, read without blocking a thread: what the SDK sends
        // as Content-MD5, what `mss sync` compares, what the server checks parts with. Kept out of
        // S3Protocol so that S3's rules (and the fuzz targets over them) need no SwiftNIO.
        .target(
            name: "FileChecksums",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: languageFeatures
        ),
        // The '@' image process grammar: image keys in the client, requests in the server.
        .target(name: "MSSImageProcess", swiftSettings: languageFeatures),

        // MARK: Client

        // The SDK an app adds: no server, no libvips, no Hummingbird.
        .target(
            name: "MSS",
            dependencies: [
                "S3Protocol",
                "FileChecksums",
                "MSSImageProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: languageFeatures
        ),

        // MARK: Server

        // GLib's object system, linked: libvips' images are GObjects (and its headers need GLib's).
        .systemLibrary(name: "CGObject", pkgConfig: "gobject-2.0", providers: [.apt(["libglib2.0-dev"])]),
        // libvips, through non-variadic shims in `CVips.h`, opened at its first use rather than
        // linked (its hundred libraries took 36 ms of every `mss` command's start). Its headers
        // come with libvips-dev, which also installs the library.
        .target(name: "CVips", dependencies: ["CGObject"]),
        // The store's index of keys (Storage/Index): the SQLite C library, in WAL mode.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // gperftools' TCMalloc, mss-server's allocator (see `Allocator.swift` there).
        .systemLibrary(name: "CTCMalloc", pkgConfig: "libtcmalloc_minimal", providers: [.apt(["libgoogle-perftools-dev"])]),
        // syncfs(2) for the store's group commit: Swift's Glibc module does not declare it.
        .target(name: "CSyncFS"),
        // The records mss-server writes in its data directory and reads back untrusted after a
        // crash: write-ahead log records and document pack entries. Apart, so that the fuzz
        // targets over their readers need neither SwiftNIO nor Hummingbird.
        .target(name: "MSSStoreFormat", dependencies: ["S3Protocol"], swiftSettings: languageFeatures),
        // Renders process strings over image files with libvips: the image service's work.
        .target(name: "MSSImageRendering", dependencies: ["CVips", "MSSImageProcess"], swiftSettings: languageFeatures),
        // The local MSS-compatible server: S3 REST API on disk with strict authentication, and
        // the image service when the `ImageService` trait is on.
        .target(
            name: "MSSServer",
            dependencies: [
                "S3Protocol",
                "MSSStoreFormat",
                "FileChecksums",
                "MSSImageProcess",
                "CSQLite",
                "CSyncFS",
                .target(name: "MSSImageRendering", condition: .when(traits: ["ImageService"])),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: languageFeatures
        ),
        // The server's command-line options and its run loop: `mss-server`, and `mss server` and
        // the embedded server of the command line.
        .target(
            name: "MSSServerLauncher",
            dependencies: [
                "MSSServer",
                "S3Protocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: languageFeatures
        ),
        .executableTarget(
            name: "mss-server",
            dependencies: ["MSSServerLauncher", "S3Protocol", "CTCMalloc", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: languageFeatures
        ),

        // MARK: Command line

        // The `mss` commands: configuration and profiles, the embedded local server, output for
        // people and for scripts.
        .target(
            name: "MSSCLI",
            dependencies: [
                "MSS",
                "MSSServer",
                "MSSServerLauncher",
                "MSSImageProcess",
                "S3Protocol",
                "FileChecksums",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: languageFeatures
        ),
        .executableTarget(name: "mss", dependencies: ["MSSCLI"], swiftSettings: languageFeatures),

        // MARK: Examples

        .executableTarget(name: "QuickStart", dependencies: ["MSS"], path: "Examples/QuickStart", swiftSettings: languageFeatures),
        .executableTarget(
            name: "TransferTool",
            dependencies: ["MSS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/TransferTool",
            swiftSettings: languageFeatures
        ),

        // MARK: Tests

        .testTarget(
            name: "S3ProtocolTests", dependencies: ["S3Protocol"], resources: [.copy("Fixtures")], swiftSettings: languageFeatures),
        .testTarget(name: "MSSImageProcessTests", dependencies: ["MSSImageProcess"], swiftSettings: languageFeatures),
        .testTarget(name: "MSSTests", dependencies: ["MSS"], swiftSettings: languageFeatures),
        .testTarget(
            name: "MSSImageRenderingTests", dependencies: ["MSSImageRendering", "MSSImageProcess"], swiftSettings: languageFeatures),
        .testTarget(
            name: "MSSServerTests",
            dependencies: [
                "MSSServer", "MSSStoreFormat", "S3Protocol", "CSyncFS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: languageFeatures
        ),
        // The SDK end to end: against an mss-server started in the test process unless
        // MSS_TEST_* variables name other servers (Ceph RGW, moto, a separate mss-server).
        .testTarget(
            name: "MSSIntegrationTests",
            dependencies: [
                "MSS",
                "MSSServer",
                "S3Protocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: languageFeatures
        ),
        .testTarget(name: "MSSCLITests", dependencies: ["MSSCLI", "MSS", "MSSServerLauncher"], swiftSettings: languageFeatures),
    ],
    swiftLanguageModes: [.v6]
)
