// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-mss",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MSS", targets: ["MSS"]),
        .library(name: "S3Protocol", targets: ["S3Protocol"]),
        .library(name: "MSSServer", targets: ["MSSServer"]),
        .library(name: "MSSImageProcess", targets: ["MSSImageProcess"]),
        .executable(name: "mss", targets: ["mss"]),
        .executable(name: "mss-server", targets: ["mss-server"]),
        .executable(name: "mss-quickstart", targets: ["QuickStart"]),
        .executable(name: "mss-transfer", targets: ["TransferTool"]),
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
        // `swift package generate-documentation --target MSS` builds the DocC catalog.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // Everything both sides of the wire need: signing, canonicalisation, XML documents, errors,
        // name rules. No networking, so it is testable with fixed dates and shared with the server.
        .target(
            name: "S3Protocol",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        .target(
            name: "MSS",
            dependencies: [
                "S3Protocol",
                "MSSImageProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ]
        ),
        // The '@' image process grammar, shared by the client (image keys) and the server.
        .target(name: "MSSImageProcess"),
        .testTarget(name: "MSSImageProcessTests", dependencies: ["MSSImageProcess"]),
        // libvips, through non-variadic shims in the module map's header.
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // The image service's processing: the grammar run over image files with libvips.
        .target(name: "MSSImaging", dependencies: ["CVips", "MSSImageProcess"]),
        .testTarget(name: "MSSImagingTests", dependencies: ["MSSImaging", "MSSImageProcess"]),
        // The local MSS-compatible server: S3 REST API on disk with strict authentication.
        .target(
            name: "MSSServer",
            dependencies: [
                "S3Protocol",
                "MSSImageProcess",
                "MSSImaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // The `mss` command line: commands, configuration and profiles, the embedded local
        // server, output for people and for scripts. A library so both executables share it.
        .target(
            name: "MSSCLI",
            dependencies: [
                "MSS",
                "MSSServer",
                "MSSImageProcess",
                "MSSImaging",
                "S3Protocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .executableTarget(name: "mss", dependencies: ["MSSCLI"]),
        .executableTarget(
            name: "mss-server",
            dependencies: [
                "MSSCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MSSCLITests", dependencies: ["MSSCLI", "MSS"]),
        .executableTarget(
            name: "QuickStart",
            dependencies: ["MSS"],
            path: "Examples/QuickStart"
        ),
        .executableTarget(
            name: "TransferTool",
            dependencies: ["MSS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/TransferTool"
        ),
        .testTarget(
            name: "S3ProtocolTests",
            dependencies: ["S3Protocol"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "MSSTests",
            dependencies: ["MSS"]
        ),
        .testTarget(
            name: "MSSServerTests",
            dependencies: ["MSSServer", "S3Protocol"]
        ),
        .testTarget(
            name: "MSSIntegrationTests",
            dependencies: [
                "MSS",
                "S3Protocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
