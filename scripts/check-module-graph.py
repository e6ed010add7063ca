#!/usr/bin/env python3
"""Checks the package's target graph against ARCHITECTURE.md's rules, from `swift package
describe --type json`: what an app that adds `MSS` builds must not reach the server, libvips or
Hummingbird; `mss-server` must not reach the SDK or AsyncHTTPClient; nothing imports MSSCLI; S3Protocol
depends on nothing of ours and not on SwiftNIO. Exits 1 naming every broken rule."""
import json
import subprocess
import sys

description = json.loads(subprocess.run(
    ["swift", "package", "describe", "--type", "json"], check=True, capture_output=True, text=True).stdout)
targets = {target["name"]: target for target in description["targets"]}


def closure(name):
    """Every target and product a target reaches, itself included."""
    seen, stack = set(), [name]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        target = targets.get(current)
        if target:
            stack += target.get("target_dependencies", []) + target.get("product_dependencies", [])
    return seen


rules = [
    ("MSS", {"MSSServer", "MSSServerLauncher", "MSSImageRendering", "CVips", "CGObject", "CSQLite", "CSyncFS", "CTCMalloc", "Hummingbird", "HummingbirdCore", "MSSCLI"}),
    # The fuzz package builds S3Protocol with the fuzzer's instrumentation: SwiftNIO there would be
    # minutes of CI for one helper that reads files.
    ("S3Protocol", {"MSS", "MSSServer", "MSSImageRendering", "CVips", "CGObject", "CSQLite", "CSyncFS", "Hummingbird", "MSSImageProcess", "AsyncHTTPClient",
                    "FileChecksums", "NIOCore", "_NIOFileSystem", "NIOPosix"}),
    ("FileChecksums", {"S3Protocol", "MSS", "MSSServer", "AsyncHTTPClient", "Hummingbird"}),
    ("MSSImageProcess", {"S3Protocol", "MSS", "MSSServer", "CVips", "CGObject"}),
    ("mss-server", {"MSS", "MSSCLI", "AsyncHTTPClient"}),
    # The allocator is the mss-server executable's choice: tests, the command line and apps that
    # embed the server keep their own.
    ("MSSServerLauncher", {"MSS", "MSSCLI", "AsyncHTTPClient", "CTCMalloc"}),
    ("MSSServer", {"MSS", "MSSCLI", "AsyncHTTPClient", "CTCMalloc"}),
    ("mss", {"CTCMalloc"}),
]
problems = []
for target, forbidden in rules:
    if target not in targets:
        problems.append(f"{target}: no such target")
        continue
    reached = closure(target) & forbidden
    if reached:
        problems.append(f"{target} reaches {', '.join(sorted(reached))}")
for name, target in targets.items():
    if "MSSCLI" in target.get("target_dependencies", []) and name not in ("mss", "MSSCLITests"):
        problems.append(f"{name} depends on MSSCLI, which only the mss executable may")
# The image service is the ImageService trait's: `describe` does not show conditions, so the
# manifest's own line is checked.
manifest = open("Package.swift").read()
if '.target(name: "MSSImageRendering", condition: .when(traits: ["ImageService"]))' not in manifest:
    problems.append("MSSServer must depend on MSSImageRendering only under the ImageService trait")

if problems:
    print("module graph rules broken:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"module graph: {len(rules)} rules hold over {len(targets)} targets")
