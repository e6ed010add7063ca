#!/usr/bin/env bash
# Builds a throwaway app package that depends only on the `MSS` product of this checkout, with
# pkg-config unable to find libvips (or anything else), and checks that nothing of the server,
# the image service or Hummingbird was compiled: what an app developer who adds `MSS` builds.
# Run by hand (it compiles SwiftNIO, AsyncHTTPClient and swift-crypto from scratch, several
# minutes on two cores); CI runs the faster static check, scripts/check-module-graph.py.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
require_swift

app=$(mktemp -d "${TMPDIR:-/tmp}/mss-app-check.XXXXXX")
trap 'rm -rf "$app"' EXIT
mkdir -p "$app/Sources/App"
cat >"$app/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "App",
    platforms: [.macOS(.v15), .iOS(.v18)],
    dependencies: [.package(name: "swift-mss", path: "$root")],
    targets: [.executableTarget(name: "App", dependencies: [.product(name: "MSS", package: "swift-mss")])]
)
SWIFT
cat >"$app/Sources/App/main.swift" <<'SWIFT'
import MSS

let connection = try S3Connection(accessKey: "AK", secretKey: "SK", host: "127.0.0.1", port: 9000)
let photos = Bucket(connection: connection, name: "photos")
print(try photos.imageKey("a.jpg", process: "100w_100h_1e_1c").generateURL(expiresIn: 60))
try await connection.shutdown()
SWIFT

log "building an app that depends only on MSS, with libvips hidden from pkg-config"
(cd "$app" && PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=/nonexistent swift build 2>&1 | tail -n 3)
modules=$(ls "$app/.build/debug/Modules" 2>/dev/null || true)
forbidden=$(grep -E '^(Hummingbird|HummingbirdCore|MSSServer|MSSServerLauncher|MSSImageRendering|CVips|CGObject|MSSCLI)\.' <<<"$modules" || true)
if [ -n "$forbidden" ]; then
    log "the app compiled modules it must not need:"
    echo "$forbidden" >&2
    exit 1
fi
log "the app built $(wc -l <<<"$modules") modules, none of the server, the image service or Hummingbird"
(cd "$app" && swift run -q App)
