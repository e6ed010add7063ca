#!/usr/bin/env python3
"""Static availability check of the library targets an app links (MSS, S3Protocol, MSSImageProcess).

This machine cannot build for Apple platforms, so the compiler never tells us that `MSS` uses an API
newer than the minimums `Package.swift` claims. This script does a name-based approximation:

1. It extracts the symbol graphs of the toolchain's own modules (Swift, _Concurrency,
   _StringProcessing, Synchronization, Dispatch, Foundation and its parts, plus any other toolchain
   module the sources import) with `swift symbolgraph-extract`, into a temporary directory. The Linux
   standard library carries the Apple availability of every declaration (its `@available(SwiftStdlib
   x.y, *)` macros expand to macOS/iOS/tvOS/watchOS/visionOS versions), and so does swift-foundation.
2. It builds the table of declarations (types, free functions, global variables, members) that are
   introduced above the claimed minimum of any of macOS, iOS, tvOS, watchOS, visionOS, or that are
   unavailable there. Members inherit the availability of their parents; visionOS, when a declaration
   does not name it, inherits iOS's (iOS 17 = visionOS 1, iOS 18 = visionOS 2, iOS 26 = visionOS 26).
3. It scans the Swift sources of Sources/MSS, Sources/S3Protocol, Sources/FileChecksums and Sources/MSSImageProcess, outside
   comments and string literals (code in string interpolations is scanned). Without a type checker
   this is name based:
   - a type, free function, global or macro is reported when its identifier appears as a token (not
     as `x.Name` unless `x` is a module name, and not when our sources declare that name themselves);
   - a member (method, property, enum case, nested type) is reported when it appears as `.name` (or
     `name(` for a method) and no declaration available at the minimums, in the toolchain modules or
     in our sources, has the same name, so `count` or `span` are never reported; `Type.name` is matched
     against the members of that toolchain type only, and skipped when `Type` is ours or a
     dependency's (`FileSystem.shared`);
   - a call is reported when one of its argument labels belongs only to overloads above the minimums,
     even though its base name is common (`Task(executorPreference:)`, `group.addTask(
     executorPreference:)`, `String(validating:as:)`);
   - a use is not reported when it is inside `if #available(...) { ... }`, after `guard #available(
     ...) else { ... }` in the same block, or inside a declaration annotated `@available(...)` (from
     the attribute to the end of the declaration's body, or of its line when it has none), provided
     the guard's versions cover what the use needs on every platform concerned (a platform the guard
     does not name is not covered: name visionOS too);
   - branches of `#if os(Linux)`, `#if canImport(Glibc)` and the like (and the `#else` of
     `#if canImport(Darwin)`) are skipped, as is any line carrying the comment
     `check-availability: ignore` (for a false positive).
   It cannot see: uses of a member whose name an available declaration shares (`array.span`,
   `task.name`), subscripts, operators, literals and sugar (`[3 of Int]`), initialisers reached
   through `.init(...)` on an inferred type, `#unavailable`, visionOS inherited from an iOS-only
   guard, Mac Catalyst, our own `@available` declarations used unguarded, and the APIs of
   dependencies (swift-nio, async-http-client, swift-crypto, swift-log), which are not checked at all.
4. Prints each finding as `path:line: <symbol> needs macOS X / ... but Package.swift claims macOS A
   / ...` and exits 1 if there is any, 0 otherwise (2 when the check itself cannot run).

The claimed minimums are read from the `platforms:` list of Package.swift (`.macOS(.v15)`,
`.macOS(.v10_15)` or `.macOS("10.15")`); a platform it does not name gets SwiftPM's default minimum
(macOS 10.13, iOS 12, tvOS 12, watchOS 4, visionOS 1). `--platforms "macOS 15, iOS 18, ..."` replaces
that list (same rule for unnamed platforms). `--self-test` runs the checker over fixture sources
written to a temporary directory and exits non-zero if it misjudges any of them.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

PLATFORMS = ("macOS", "iOS", "tvOS", "watchOS", "visionOS")
# SwiftPM's oldest supported deployment targets: what a platform not named in `platforms:` gets.
SWIFTPM_DEFAULTS = {"macOS": (10, 13, 0), "iOS": (12, 0, 0), "tvOS": (12, 0, 0), "watchOS": (4, 0, 0), "visionOS": (1, 0, 0)}
# Platform names as symbol graphs, `@available`, `#available` and Package.swift spell them.
PLATFORM_ALIASES = {
    "macOS": "macOS", "OSX": "macOS", "macos": "macOS",
    "iOS": "iOS", "ios": "iOS",
    "tvOS": "tvOS", "tvos": "tvOS",
    "watchOS": "watchOS", "watchos": "watchOS",
    "visionOS": "visionOS", "xrOS": "visionOS", "visionos": "visionOS",
}
UNAVAILABLE = (10**9, 0, 0)  # compares above every version
PLATFORMS_ZERO = {p: (0, 0, 0) for p in PLATFORMS}

TARGET_DIRS = ("Sources/MSS", "Sources/S3Protocol", "Sources/FileChecksums", "Sources/MSSImageProcess")
# Always extracted: the implicitly imported parts of the standard library, Synchronization, and
# Foundation with the modules it is made of (re-exported by `import Foundation`).
CORE_MODULES = ("Synchronization", "_Concurrency", "_StringProcessing", "Dispatch",
                "FoundationEssentials", "FoundationInternationalization", "Foundation", "Swift")
REQUIRED_MODULES = ("Swift", "Synchronization")
# Toolchain modules that say nothing about Apple platforms (or are test-only): never extracted.
SKIPPED_MODULES = {"Glibc", "Musl", "Android", "WinSDK", "WASILibc", "SwiftGlibc", "XCTest", "Testing",
                   "SwiftOnoneSupport", "Cxx", "CxxStdlib", "_Builtin_float", "_TestDiscovery",
                   "_TestingInterop", "_Testing_Foundation"}

TOP_KINDS = {"swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias",
             "swift.actor", "swift.func", "swift.var", "swift.macro"}
NESTED_TYPE_KINDS = {"swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias", "swift.actor"}
MEMBER_KINDS = {"swift.method", "swift.property", "swift.type.method", "swift.type.property", "swift.enum.case"}
FREE_FUNC_KINDS = {"swift.func", "swift.macro"}
INIT_KIND = "swift.init"

DECL_KEYWORDS = {"func", "var", "let", "case", "struct", "class", "enum", "protocol", "actor",
                 "typealias", "associatedtype", "macro", "init", "subscript", "extension", "deinit"}
DECLARING_KEYWORDS = DECL_KEYWORDS - {"extension", "init", "subscript", "deinit"}
TYPE_BODY_KEYWORDS = {"struct", "class", "enum", "protocol", "actor", "extension"}
SCOPE_KEYWORDS = TYPE_BODY_KEYWORDS | {"func", "init", "deinit", "subscript", "var", "let", "if", "guard",
                                       "else", "for", "while", "repeat", "switch", "do", "catch", "defer",
                                       "get", "set", "willSet", "didSet", "in", "macro"}
SWIFT_KEYWORDS = DECL_KEYWORDS | SCOPE_KEYWORDS | {"static", "final", "public", "private", "internal",
                                                   "fileprivate", "open", "mutating", "nonmutating",
                                                   "override", "convenience", "required", "lazy", "weak",
                                                   "unowned", "indirect", "nonisolated", "self", "Self",
                                                   "super", "return", "throw", "throws", "rethrows",
                                                   "async", "await", "try", "where", "import", "true",
                                                   "false", "nil", "is", "as", "any", "some", "inout",
                                                   "borrowing", "consuming", "consume", "copy", "discard",
                                                   "each", "isolated", "sending", "package", "dynamic",
                                                   "optional", "indirect", "operator", "precedencegroup"}
# Tokens that are never a use of a declaration (`async` is also the name of an old, unavailable
# function of _Concurrency).
TOKEN_SKIP = {"func", "var", "let", "case", "struct", "class", "enum", "protocol", "typealias", "associatedtype",
              "init", "subscript", "extension", "deinit", "import", "if", "guard", "else", "for", "while",
              "repeat", "switch", "do", "catch", "defer", "in", "return", "throw", "throws", "rethrows", "try",
              "where", "is", "as", "self", "Self", "super", "true", "false", "nil", "static", "public",
              "private", "internal", "fileprivate", "inout", "operator", "precedencegroup", "async", "await",
              "some", "any"}
IGNORE_MARKER = "check-availability: ignore"
NON_APPLE_CONDITION = re.compile(
    r"^\s*(?:(?:os\((?:Linux|Windows|Android|FreeBSD|OpenBSD|WASI|Cygwin|PS4|Haiku)\)"
    r"|canImport\((?:Glibc|Musl|Android|WinSDK|WASILibc|Bionic)\))\s*(?:\|\|\s*|$))+$")
# Conditions true on every Apple platform: their `#else` branch is skipped.
ALL_APPLE_CONDITION = re.compile(r"^\s*(?:canImport\((?:Darwin|ObjectiveC)\)|!\s*os\(Linux\)|!\s*canImport\(Glibc\))\s*$")


# --------------------------------------------------------------------------------------------------
# Versions and claims


def parse_version(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.split(r"[._]", text.strip())]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])  # type: ignore[return-value]


def format_version(v: tuple[int, int, int]) -> str:
    if v == UNAVAILABLE:
        return "unavailable"
    major, minor, patch = v
    if patch:
        return f"{major}.{minor}.{patch}"
    if minor:
        return f"{major}.{minor}"
    return str(major)


def format_claims(claims: dict[str, tuple], platforms=PLATFORMS) -> str:
    return " / ".join(f"{p} {format_version(claims[p])}" for p in platforms)


def parse_platforms_override(text: str) -> dict[str, tuple]:
    """'macOS 15, iOS 18, ...' -> claims; platforms it does not name get SwiftPM's defaults."""
    claims = dict(SWIFTPM_DEFAULTS)
    for item in filter(None, (i.strip() for i in text.split(","))):
        m = re.fullmatch(r"([A-Za-z]+)\s+(\d+(?:\.\d+){0,2})", item)
        if not m or m.group(1) not in PLATFORM_ALIASES:
            raise ValueError(f"--platforms: cannot read {item!r} (expected e.g. 'macOS 15, iOS 18')")
        claims[PLATFORM_ALIASES[m.group(1)]] = parse_version(m.group(2))
    return claims


def read_package_platforms(package_swift: str) -> tuple[dict[str, tuple], str]:
    """The minimums of Package.swift's `platforms:` list; SwiftPM's defaults for the others."""
    with open(package_swift, encoding="utf-8") as f:
        text = strip_swift(f.read(), keep_strings=True)
    claims = dict(SWIFTPM_DEFAULTS)
    call = re.search(r"\bPackage\s*\(", text)
    if not call:
        raise ValueError(f"{package_swift}: no Package(...) found")
    # The `platforms:` argument of Package(...) itself, not a `.when(platforms: [.linux])`.
    depth, i, start = 1, call.end(), None
    while i < len(text) and depth:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 1 and text.startswith("platforms", i) and not (text[i - 1].isalnum() or text[i - 1] == "_"):
            m = re.compile(r"platforms\s*:\s*(\[?)").match(text, i)
            if m:
                if not m.group(1):
                    raise ValueError(f"{package_swift}: platforms: is not a literal list; cannot read the minimums")
                start = m.end()
                break
        i += 1
    if start is None:
        return claims, "Package.swift (no platforms: list, SwiftPM defaults)"
    end = matching(text, start - 1, "[", "]")
    body = text[start:end]
    for entry in re.finditer(r"\.\s*(\w+)\s*\(([^)]*)\)", body):
        name, arg = entry.group(1), entry.group(2).strip()
        if name in ("macCatalyst", "driverKit", "custom", "linux", "windows", "android", "wasi", "openbsd"):
            continue
        if name not in PLATFORM_ALIASES:
            raise ValueError(f"Package.swift: unknown platform .{name}(...) in platforms:")
        v = re.fullmatch(r"\.v(\d+(?:_\d+)*)", arg) or re.fullmatch(r'"(\d+(?:\.\d+){0,2})"', arg)
        if not v:
            raise ValueError(f"Package.swift: cannot read the version of .{name}({arg})")
        claims[PLATFORM_ALIASES[name]] = parse_version(v.group(1))
    return claims, "Package.swift"


# --------------------------------------------------------------------------------------------------
# Swift source lexing (enough to blank comments and string literals)


def strip_swift(src: str, keep_strings: bool = False) -> str:
    """`src` with comments (and string literals, unless keep_strings) replaced by spaces; newlines and
    offsets are kept, and so is the code inside string interpolations."""
    n = len(src)
    out = list(src)
    opener = re.compile(r'(#*)("""|")')

    def blank(a: int, b: int, is_string: bool = False) -> None:
        if is_string and keep_strings:
            return
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    stack: list[list] = [["code", None]]  # ["code", paren depth or None at top] / ["str", hashes, multiline]
    i = 0
    while i < n:
        top = stack[-1]
        c = src[i]
        if top[0] == "code":
            if c == "/" and src.startswith("//", i):
                j = src.find("\n", i)
                j = n if j < 0 else j
                blank(i, j)
                i = j
                continue
            if c == "/" and src.startswith("/*", i):
                depth, j = 1, i + 2
                while j < n and depth:
                    if src.startswith("/*", j):
                        depth, j = depth + 1, j + 2
                    elif src.startswith("*/", j):
                        depth, j = depth - 1, j + 2
                    else:
                        j += 1
                blank(i, j)
                i = j
                continue
            if c in "#\"":
                m = opener.match(src, i)
                if m and (c == '"' or not (i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_"))):
                    blank(i, m.end(), True)
                    stack.append(["str", len(m.group(1)), m.group(2) == '"""'])
                    i = m.end()
                    continue
            if top[1] is not None:
                if c == "(":
                    top[1] += 1
                elif c == ")":
                    if top[1] == 0:
                        stack.pop()
                        blank(i, i + 1, True)
                        i += 1
                        continue
                    top[1] -= 1
            i += 1
            continue
        _, hashes, multiline = top
        if c == "\\" and src.startswith("#" * hashes, i + 1):
            j = i + 1 + hashes
            if j < n and src[j] == "(":
                blank(i, j + 1, True)
                stack.append(["code", 0])
                i = j + 1
                continue
            blank(i, j + 1, True)
            i = j + 1
            continue
        closing = ('"""' if multiline else '"') + "#" * hashes
        if src.startswith(closing, i):
            blank(i, i + len(closing), True)
            stack.pop()
            i += len(closing)
            continue
        if c == "\n" and not multiline:  # unterminated single-line string: give up on it
            stack.pop()
            i += 1
            continue
        if c != "\n" and not keep_strings:
            out[i] = " "
        i += 1
    return "".join(out)


def matching(code: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index of the bracket closing the one at `start` (or len(code))."""
    depth = 0
    for i in range(start, len(code)):
        ch = code[i]
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i
    return len(code)


def split_top_level(text: str) -> list[str]:
    items, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    items.append("".join(cur))
    return [i.strip() for i in items if i.strip()]


def parse_availability_spec(args: str) -> dict[str, tuple]:
    """What an `@available(...)` / `#available(...)` argument list guarantees, per platform."""
    items = split_top_level(args)
    if not items:
        return {}
    spec: dict[str, tuple] = {}
    rest = items[1:]
    long_form = any(re.match(r"(introduced|deprecated|obsoleted|unavailable|message|renamed|noasync)\b", r) for r in rest)
    if long_form or items[0] in ("*",) and rest:
        first = items[0]
        targets = PLATFORMS if first == "*" else ((PLATFORM_ALIASES[first],) if first in PLATFORM_ALIASES else ())
        for r in rest:
            if r == "unavailable":
                for p in targets:
                    spec[p] = UNAVAILABLE
            m = re.fullmatch(r"introduced\s*:\s*(\d+(?:\.\d+){0,2})", r)
            if m and first != "*":
                for p in targets:
                    spec[p] = max(spec.get(p, (0, 0, 0)), parse_version(m.group(1)))
        return spec
    for item in items:
        m = re.fullmatch(r"([A-Za-z]+)\s+(\d+(?:\.\d+){0,2})", item)
        if m and m.group(1) in PLATFORM_ALIASES:
            spec[PLATFORM_ALIASES[m.group(1)]] = parse_version(m.group(2))
    return spec


# --------------------------------------------------------------------------------------------------
# Symbol graphs


@dataclass
class Decl:
    precise: str
    kind: str
    path: list
    module: str
    avail: dict = field(default_factory=dict)  # platform -> version tuple | UNAVAILABLE (own entries)
    everywhere_unavailable: bool = False
    parent: str | None = None
    effective: dict | None = None
    tuple_labels: tuple = ()  # element labels of tuple types in its declaration: members too, in effect

    @property
    def title(self) -> str:
        return self.path[-1]

    @property
    def base(self) -> str:
        t = self.title
        return t[:t.index("(")] if "(" in t else t

    @property
    def labels(self) -> list:
        t = self.title
        if "(" not in t:
            return []
        return [l for l in t[t.index("(") + 1:-1].split(":") if l and l != "_"]

    @property
    def qualified(self) -> str:
        return ".".join(self.path)


@functools.lru_cache(maxsize=None)
def toolchain_info() -> tuple[str, list]:
    out = subprocess.run(["swift", "-print-target-info"], check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    return info["target"]["triple"], tuple(info["paths"].get("runtimeLibraryImportPaths", []))


def module_exists(name: str, import_paths: list) -> bool:
    return any(os.path.exists(os.path.join(p, name + ".swiftmodule")) for p in import_paths)


def extract_symbol_graphs(modules: list, out_dir: str, verbose: bool) -> list:
    """Runs `swift symbolgraph-extract` for each module into out_dir/<module>; returns the modules
    that were extracted."""
    triple, import_paths = toolchain_info()
    cache = os.path.join(out_dir, ".module-cache")
    wanted = [m for m in modules if module_exists(m, import_paths)]
    for m in REQUIRED_MODULES:
        if m not in wanted:
            raise RuntimeError(f"the toolchain has no {m}.swiftmodule in {import_paths}")

    def run(module: str):
        dest = os.path.join(out_dir, module)
        os.makedirs(dest, exist_ok=True)
        cmd = ["swift", "symbolgraph-extract", "-module-name", module, "-target", triple, "-output-dir", dest,
               "-skip-synthesized-members", "-module-cache-path", cache]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        return module, proc.returncode, proc.stderr

    done = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for module, rc, err in pool.map(run, wanted):
            if rc != 0:
                if module in REQUIRED_MODULES:
                    raise RuntimeError(f"swift symbolgraph-extract -module-name {module} failed:\n{err}")
                print(f"check-availability: warning: no symbol graph for {module}: {err.strip()[:300]}", file=sys.stderr)
                continue
            if verbose:
                print(f"check-availability: extracted {module}", file=sys.stderr)
            done.append(module)
    return done


def load_symbol_graphs(graph_dir: str, modules: list, verbose: bool) -> tuple[dict, list]:
    """precise id -> Decl across the modules' graph files (first module listed wins a duplicate),
    and the modules whose graphs carry any Apple availability."""
    decls: dict[str, Decl] = {}
    with_availability = []
    for module in modules:
        mdir = os.path.join(graph_dir, module)
        if not os.path.isdir(mdir):
            continue
        apple_entries = 0
        for name in sorted(os.listdir(mdir)):
            if not name.endswith(".symbols.json"):
                continue
            with open(os.path.join(mdir, name), encoding="utf-8") as f:
                graph = json.load(f)
            parents = {}
            for rel in graph.get("relationships", []):
                if rel.get("kind") == "memberOf":
                    parents[rel["source"]] = rel["target"]
            for sym in graph.get("symbols", []):
                precise = sym["identifier"]["precise"]
                if precise in decls:
                    continue
                d = Decl(precise, sym["kind"]["identifier"], sym["pathComponents"], module, parent=parents.get(precise))
                d.tuple_labels = tuple_labels(sym.get("declarationFragments") or [])
                for a in sym.get("availability", []) or []:
                    domain = a.get("domain")
                    if domain == "*" and a.get("isUnconditionallyUnavailable"):
                        d.everywhere_unavailable = True
                    p = PLATFORM_ALIASES.get(domain or "")
                    if p is None:
                        continue
                    apple_entries += 1
                    if a.get("isUnconditionallyUnavailable"):
                        d.avail[p] = UNAVAILABLE
                    elif "introduced" in a:
                        iv = a["introduced"]
                        v = (iv.get("major", 0), iv.get("minor", 0), iv.get("patch", 0))
                        d.avail[p] = max(d.avail.get(p, (0, 0, 0)), v)
                decls[precise] = d
        if verbose:
            print(f"check-availability: {module}: {apple_entries} Apple availability entries", file=sys.stderr)
        if apple_entries:
            with_availability.append(module)
    return decls, with_availability


def tuple_labels(fragments: list) -> tuple:
    """`var components: (seconds: Int64, attoseconds: Int64)` -> ('seconds', 'attoseconds'): tuple
    element labels are spelled in text fragments (parameters have fragments of their own kinds)."""
    labels = []
    for a, b in zip(fragments, fragments[1:]):
        if a.get("kind") == "text" and b.get("kind") == "text" and b.get("spelling", "").startswith(":"):
            m = re.search(r"[(,]\s*([A-Za-z_][A-Za-z0-9_]*)$", a.get("spelling", ""))
            if m:
                labels.append(m.group(1))
    return tuple(labels)


def ios_to_visionos(v: tuple) -> tuple:
    if v == UNAVAILABLE:
        return UNAVAILABLE
    if v[0] >= 26:
        return v
    if v[0] >= 17:
        return (v[0] - 16, 0, 0)
    return (1, 0, 0)


def effective_availability(decls: dict, d: Decl, depth: int = 0) -> dict:
    """A declaration's availability, at least that of its parents; visionOS from iOS when unnamed."""
    if d.effective is not None:
        return d.effective
    eff = dict(d.avail)
    parent = decls.get(d.parent) if d.parent and depth < 20 else None
    if parent is not None:
        for p, v in effective_availability(decls, parent, depth + 1).items():
            eff[p] = max(eff.get(p, (0, 0, 0)), v)
    if "visionOS" not in eff and "iOS" in eff:
        eff["visionOS"] = ios_to_visionos(eff["iOS"])
    d.effective = eff
    return eff


@dataclass
class Tables:
    claims: dict
    top_above: dict = field(default_factory=dict)     # name -> [Decl]
    top_ok: set = field(default_factory=set)
    member_above: dict = field(default_factory=dict)  # base name -> [Decl]
    member_ok: set = field(default_factory=set)
    label_above: dict = field(default_factory=dict)   # (kind, key) -> {label -> [Decl]}
    label_ok: dict = field(default_factory=dict)      # (kind, key) -> {labels}
    type_names: set = field(default_factory=set)
    above_count: int = 0


def exceeding(eff: dict, claims: dict) -> dict:
    return {p: v for p, v in eff.items() if p in claims and v > claims[p]}


def build_tables(decls: dict, claims: dict) -> Tables:
    t = Tables(claims)
    for d in decls.values():
        if d.everywhere_unavailable:
            continue
        kind, path = d.kind, d.path
        if kind == INIT_KIND:
            if len(path) < 2:
                continue
            role, name, label_key = "init", None, ("init", path[-2])
        elif len(path) == 1 and kind in TOP_KINDS:
            role, name = "top", d.base
            label_key = ("free", name) if kind in FREE_FUNC_KINDS else None
            if kind in NESTED_TYPE_KINDS:
                t.type_names.add(name)
        elif len(path) >= 2 and (kind in MEMBER_KINDS or kind in NESTED_TYPE_KINDS):
            role, name = "member", d.base
            label_key = ("member", name) if kind in MEMBER_KINDS else None
            if kind in NESTED_TYPE_KINDS:
                t.type_names.add(name)
        else:
            continue
        above = bool(exceeding(effective_availability(decls, d), claims))
        if above:
            t.above_count += 1
        else:
            t.member_ok.update(d.tuple_labels)
        if role == "top":
            (t.top_above.setdefault(name, []).append(d) if above else t.top_ok.add(name))
        elif role == "member":
            (t.member_above.setdefault(name, []).append(d) if above else t.member_ok.add(name))
        if label_key is not None:
            if above:
                for label in d.labels:
                    t.label_above.setdefault(label_key, {}).setdefault(label, []).append(d)
            else:
                t.label_ok.setdefault(label_key, set()).update(d.labels)
    return t


# --------------------------------------------------------------------------------------------------
# Scanning the sources

IDENT = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`|(?<![A-Za-z0-9_$])([A-Za-z_][A-Za-z0-9_]*)")
OWN_DECL = re.compile(r"(?<![A-Za-z0-9_.])(func|var|let|case|struct|class|enum|protocol|actor|typealias|associatedtype|macro)"
                      r"\s+`?([A-Za-z_][A-Za-z0-9_]*)")
IMPORT = re.compile(r"^[ \t]*(?:@[A-Za-z_]+(?:\([^)\n]*\))?[ \t]+)*import[ \t]+"
                    r"(?:(?:struct|class|enum|protocol|typealias|func|var|let)[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)


@dataclass
class SourceFile:
    path: str
    rel: str
    src: str
    code: str
    line_starts: list
    tokens: list        # (start, end, name)
    brace_pairs: list   # (open, close)
    brace_owner: dict   # open index -> keyword
    excluded: list      # [(start, end)] of non-Apple #if branches
    guards: list = field(default_factory=list)  # (start, end, spec)

    def line_of(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos)

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.src)
        return self.src[start:end]

    def enclosing_pair(self, pos: int):
        best = None
        for o, c in self.brace_pairs:
            if o < pos < c and (best is None or o > best[0]):
                best = (o, c)
        return best


def load_source(path: str, root: str) -> SourceFile:
    with open(path, encoding="utf-8", errors="replace") as f:
        src = f.read()
    code = strip_swift(src)
    line_starts = [0] + [m.end() for m in re.finditer("\n", src)]
    tokens = [(m.start(), m.end(), m.group(1) or m.group(2)) for m in IDENT.finditer(code)]
    pairs, owner, stack = [], {}, []
    last_boundary = -1
    for i, ch in enumerate(code):
        if ch == "{":
            segment = code[last_boundary + 1:i]
            words = [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", segment) if w in SCOPE_KEYWORDS]
            owner[i] = words[-1] if words else ""
            stack.append(i)
            last_boundary = i
        elif ch == "}":
            if stack:
                pairs.append((stack.pop(), i))
            last_boundary = i
        elif ch == ";":
            last_boundary = i
    for o in stack:
        pairs.append((o, len(code)))
    pairs.sort()
    excluded = non_apple_regions(code, line_starts)
    sf = SourceFile(path, os.path.relpath(path, root), src, code, line_starts, tokens, pairs, owner, excluded)
    sf.guards = find_guards(sf)
    return sf


def non_apple_regions(code: str, line_starts: list) -> list:
    """Character ranges of `#if` branches that only compile off Apple platforms."""
    regions, stack = [], []  # stack entries: [excluded_now, start, kind_of_if]
    lines = code.split("\n")
    for idx, line in enumerate(lines):
        s = line.strip()
        pos = line_starts[idx]
        m = re.match(r"#(if|elseif|else|endif)\b(.*)", s)
        if not m:
            continue
        directive, cond = m.group(1), m.group(2)
        if directive in ("elseif", "else", "endif") and stack and stack[-1][0]:
            regions.append((stack[-1][1], pos))
        if directive == "if":
            all_apple = bool(ALL_APPLE_CONDITION.match(cond))
            stack.append([bool(NON_APPLE_CONDITION.match(cond)), pos, all_apple])
        elif directive == "elseif" and stack:
            stack[-1][0], stack[-1][1] = bool(NON_APPLE_CONDITION.match(cond)), pos
            stack[-1][2] = False
        elif directive == "else" and stack:
            stack[-1][0], stack[-1][1] = stack[-1][2], pos
        elif directive == "endif" and stack:
            stack.pop()
    for entry in stack:
        if entry[0]:
            regions.append((entry[1], len(code)))
    return regions


def find_guards(sf: SourceFile) -> list:
    code, guards = sf.code, []
    for m in re.finditer(r"([#@])available\s*\(", code):
        open_paren = m.end() - 1
        close = matching(code, open_paren, "(", ")")
        spec = parse_availability_spec(code[open_paren + 1:close])
        if not spec:
            continue
        if m.group(1) == "#":
            # `if/while #available(...) {` or `guard #available(...) else {`
            depth, i, is_guard = 0, close + 1, False
            while i < len(code):
                ch = code[i]
                if ch in "([":
                    depth += 1
                elif ch in ")]":
                    depth -= 1
                elif ch == "{" and depth == 0:
                    break
                elif depth == 0 and code.startswith("else", i) and not (code[i - 1].isalnum() or code[i - 1] == "_") \
                        and not (i + 4 < len(code) and (code[i + 4].isalnum() or code[i + 4] == "_")):
                    is_guard = True
                i += 1
            if i >= len(code):
                continue
            body_end = matching(code, i, "{", "}")
            if is_guard:
                block = sf.enclosing_pair(m.start())
                guards.append((body_end, block[1] if block else len(code), spec))
            else:
                guards.append((i, body_end, spec))
        else:
            # `@available(...)` on a declaration: to the end of its body, or of its line when it has none.
            depth, i, seen_keyword = 0, close + 1, False
            end = len(code)
            while i < len(code):
                ch = code[i]
                if ch in "([":
                    depth += 1
                elif ch in ")]":
                    depth -= 1
                elif ch == "{" and depth == 0:
                    end = matching(code, i, "{", "}")
                    break
                elif ch == "\n" and depth == 0 and seen_keyword:
                    end = i
                    break
                elif not seen_keyword and (ch.isalpha() or ch == "_"):
                    w = re.match(r"[A-Za-z_][A-Za-z0-9_]*", code[i:])
                    if w.group(0) in DECL_KEYWORDS:
                        seen_keyword = True
                    i += len(w.group(0))
                    continue
                i += 1
            guards.append((m.start(), end, spec))
    return guards


def collect_own_names(files: list) -> set:
    """Names the scanned sources declare at file or type level (members and top-level
    declarations), and the names of their functions at any level: they shadow toolchain names of the
    same spelling."""
    names = set()
    for sf in files:
        code = sf.code
        for m in OWN_DECL.finditer(code):
            pos = m.start()
            block = sf.enclosing_pair(pos)
            if m.group(1) != "func" and block is not None and sf.brace_owner.get(block[0], "") not in TYPE_BODY_KEYWORDS:
                continue  # a local variable; local functions do shadow bare calls
            name = m.group(2)
            if name not in SWIFT_KEYWORDS:
                names.add(name)
            if m.group(1) == "case":  # case a, b(Int), c = 3
                end = code.find("\n", m.end())
                rest = code[m.end():end if end >= 0 else len(code)]
                for item in split_top_level(rest):
                    w = re.match(r"`?([A-Za-z_][A-Za-z0-9_]*)", item)
                    if w and w.group(1) not in SWIFT_KEYWORDS:
                        names.add(w.group(1))
    return names


def call_labels(code: str, open_paren: int) -> list:
    close = matching(code, open_paren, "(", ")")
    labels = []
    for item in split_top_level(code[open_paren + 1:close]):
        m = re.match(r"`?([A-Za-z_][A-Za-z0-9_]*)`?\s*:(?!:)", item)
        if m:
            labels.append(m.group(1))
    return labels


@dataclass
class Finding:
    rel: str
    line: int
    token: str
    display: str
    needs: dict  # platform -> version | UNAVAILABLE (only those above the claims, not guarded)

    def message(self, claims: dict, source: str) -> str:
        versions = [f"{p} {format_version(v)}" for p, v in self.needs.items() if v != UNAVAILABLE]
        unavailable = [p for p, v in self.needs.items() if v == UNAVAILABLE]
        parts = []
        if versions:
            parts.append("needs " + " / ".join(versions))
        if unavailable:
            parts.append("is unavailable on " + " / ".join(unavailable))
        platforms = [p for p in PLATFORMS if p in self.needs]
        return f"{self.rel}:{self.line}: {self.display} {' and '.join(parts)} but {source} claims {format_claims(claims, platforms)}"


def combined_needs(decls: list, all_decls: dict, claims: dict) -> dict:
    """Per platform, the least any of the overloads needs above the claims (a name-based match cannot
    tell overloads apart, so this is what the use needs at least)."""
    needs = {}
    for p in PLATFORMS:
        versions = []
        for d in decls:
            v = effective_availability(all_decls, d).get(p)
            versions.append(v if v is not None else (0, 0, 0))
        least = min(versions)
        if least > claims[p]:
            needs[p] = least
    return needs


def describe(decls: list) -> str:
    names = sorted({d.qualified for d in decls})
    modules = sorted({d.module for d in decls})
    extra = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
    return f"{names[0]}{extra} [{', '.join(modules)}]"


def scan_file(sf: SourceFile, tables: Tables, all_decls: dict, own: set, module_names: set) -> list:
    code, claims = sf.code, tables.claims
    findings: dict = {}
    tokens = sf.tokens

    def guarded_needs(pos: int, needs: dict) -> dict:
        best: dict = {}
        for start, end, spec in sf.guards:
            if start <= pos <= end:
                for p, v in spec.items():
                    best[p] = max(best.get(p, (0, 0, 0)), v)
        return {p: v for p, v in needs.items() if not (p in best and best[p] >= v)}

    def report(pos: int, token: str, decls: list, display: str | None = None) -> None:
        if any(a <= pos < b for a, b in sf.excluded):
            return
        needs = guarded_needs(pos, combined_needs(decls, all_decls, claims))
        if not needs:
            return
        line = sf.line_of(pos)
        if IGNORE_MARKER in sf.line_text(line):
            return
        key = (line, token)
        if key not in findings:
            findings[key] = Finding(sf.rel, line, token, display or describe(decls), needs)

    for idx, (start, end, name) in enumerate(tokens):
        if name in TOKEN_SKIP and name != "init":
            continue
        prev_ch = code[start - 1] if start > 0 else ""
        is_member = prev_ch == "." and not (start > 1 and code[start - 2] == ".")
        qualifier = None
        if is_member and idx > 0 and tokens[idx - 1][1] == start - 1:
            qualifier = tokens[idx - 1][2]
        j = end
        while j < len(code) and code[j] in " \t":
            j += 1
        next_ch = code[j] if j < len(code) else ""
        is_call = next_ch == "("
        prev_token = tokens[idx - 1][2] if idx > 0 else ""
        if prev_token in DECLARING_KEYWORDS and not is_member:
            continue  # a declaration of our own (`extension Mutex` is a use, though)
        if next_ch == ":" and not code.startswith("::", j):
            k = start - 1
            while k >= 0 and code[k] in " \t\n":
                k -= 1
            if k >= 0 and code[k] in "(,[":
                continue  # an argument label or a dictionary key
        # `Type.member`: only the members of that toolchain type; a type of ours or of a dependency
        # (`FileSystem.shared`) is none of the toolchain's business. `value.member`: name based.
        type_qualifier = qualifier if qualifier and qualifier[0].isupper() and qualifier not in module_names else None
        if type_qualifier and (type_qualifier not in tables.type_names or type_qualifier in own):
            continue

        def on_qualifier(ds: list) -> list:
            if not type_qualifier:
                return ds
            return [d for d in ds if len(d.path) >= 2 and d.path[-2] == type_qualifier]

        # Types, free functions, globals, macros.
        if (not is_member or qualifier in module_names) and name in tables.top_above and name not in tables.top_ok \
                and name not in own:
            report(start, name, tables.top_above[name], f"{name} [{', '.join(sorted({d.module for d in tables.top_above[name]}))}]")
            continue
        # Members: `.name` or `name(`.
        if (is_member or is_call) and name in tables.member_above and name not in tables.member_ok \
                and (name not in own or type_qualifier):
            candidates = on_qualifier(tables.member_above[name])
            if not is_member:  # a bare `Name(` is a top-level type of some module, not a nested one
                candidates = [d for d in candidates if d.kind in MEMBER_KINDS]
            if candidates:
                report(start, name, candidates)
            continue
        # Calls whose labels only newer overloads have.
        if is_call and (name not in own or type_qualifier):
            if name == "init" and type_qualifier:
                key = ("init", type_qualifier)
            elif not is_member and name in tables.type_names:
                key = ("init", name)
            elif is_member:
                key = ("member", name)
            else:
                key = ("free", name)
            newer = tables.label_above.get(key)
            if key[0] == "init" and key[1] in own:
                newer = None
            if newer:
                ok = tables.label_ok.get(key, set())
                for label in call_labels(code, j):
                    if label in newer and label not in ok:
                        decls = on_qualifier(newer[label]) if key[0] == "member" else newer[label]
                        if not decls:
                            continue
                        shown = sorted({d.qualified for d in decls})
                        more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
                        report(start, name, decls, f"{shown[0]}{more} [{', '.join(sorted({d.module for d in decls}))}]")
                        break
    return sorted(findings.values(), key=lambda f: (f.line, f.token))


def swift_files(root: str) -> list:
    out = []
    for target in TARGET_DIRS:
        base = os.path.join(root, target)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".swift"):
                    out.append(os.path.join(dirpath, name))
    return out


def imported_toolchain_modules(files: list) -> list:
    found = []
    for sf in files:
        for m in IMPORT.finditer(sf.code):
            name = m.group(1)
            if name not in SKIPPED_MODULES and name not in CORE_MODULES and name not in found:
                found.append(name)
    return found


@dataclass
class Result:
    findings: list
    claims: dict
    source: str
    above_count: int
    modules: list
    file_count: int


def check(root: str, claims: dict, source: str, graph_dir: str, cache: dict | None = None,
          verbose: bool = False, list_symbols: bool = False) -> Result:
    """Scans root's library targets against claims; graph_dir holds (or receives) the symbol graphs,
    cache keeps the loaded declarations between calls."""
    cache = {} if cache is None else cache
    files = [load_source(p, root) for p in swift_files(root)]
    extra = imported_toolchain_modules(files)
    if extra:
        extra = [m for m in extra if module_exists(m, toolchain_info()[1])]
    modules = [m for m in CORE_MODULES if m != "Swift"] + extra + ["Swift"]  # Swift last: see load_symbol_graphs
    if cache.get("modules") != modules:
        missing = [m for m in modules if not os.path.isdir(os.path.join(graph_dir, m))]
        if missing:
            extract_symbol_graphs(missing, graph_dir, verbose)
        cache["decls"], cache["with_availability"] = load_symbol_graphs(graph_dir, modules, verbose)
        cache["modules"] = modules
    decls = cache["decls"]
    tables = build_tables(decls, claims)
    if list_symbols:
        for name, ds in sorted(tables.top_above.items()):
            flag = "" if name not in tables.top_ok else "  (name also available: not reported)"
            print(f"  {name}: {describe(ds)} needs {format_claims(combined_needs(ds, decls, PLATFORMS_ZERO))}{flag}")
        for name, ds in sorted(tables.member_above.items()):
            flag = "" if name not in tables.member_ok else "  (name also available: not reported)"
            print(f"  .{name}: {describe(ds)}{flag}")
    own = collect_own_names(files)
    module_names = set(modules)
    findings = []
    for sf in files:
        findings.extend(scan_file(sf, tables, decls, own, module_names))
    return Result(findings, claims, source, tables.above_count, cache["with_availability"], len(files))




def print_result(result: Result, elapsed: float) -> None:
    for f in result.findings:
        print(f.message(result.claims, result.source))
    status = f"{len(result.findings)} finding(s)" if result.findings else "no findings"
    print(f"check-availability: {status}; {result.above_count} toolchain declarations above "
          f"{format_claims(result.claims)} ({result.source}) known from {len(result.modules)} modules; "
          f"{result.file_count} files scanned in {', '.join(TARGET_DIRS)}; {elapsed:.1f}s")


# --------------------------------------------------------------------------------------------------
# Self-test

LOW_PLATFORMS = "[.macOS(.v10_15), .iOS(.v13), .tvOS(.v13), .watchOS(.v6), .visionOS(.v1)]"
NEW_PLATFORMS = "[.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)]"
GUARD_15 = "macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *"
GUARD_26 = "macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *"

# Each fixture: Package.swift platforms, the file in Sources/MSS, and the findings expected, marked in
# the source by a trailing `// expect: Name` per reported name on that line.
FIXTURES = [
    ("new-apis-low-minimums", LOW_PLATFORMS, f"""\
import Synchronization

final class Counter: Sendable {{
    private let state = Mutex(0)  // expect: Mutex
    private let hits = Atomic<Int>(0)  // expect: Atomic
    private let stored: Mutex<[String]>  // expect: Mutex

    init() {{ stored = Synchronization.Mutex([]) }}  // expect: Mutex

    func bump() -> Int {{
        hits.add(1, ordering: .relaxed)  // expect: add, relaxed
        return state.withLock {{ value in
            value += 1
            return value
        }}
    }}
}}

func fixed() -> Int {{
    let values: InlineArray<3, Int> = [1, 2, 3]  // expect: InlineArray
    return values[0]
}}

func described() -> String {{
    "count: \\(Mutex(1).withLock {{ $0 }})"  // expect: Mutex
}}

func unguardedAfterGuardedBlock() {{
    if #available({GUARD_15}) {{
        _ = Mutex(0)
    }}
    _ = Mutex(1)  // expect: Mutex
}}

extension Atomic where Value == Int {{  // expect: Atomic
    func bumped() {{ }}
}}

func spawn() async {{
    await withTaskGroup(of: Void.self) {{ group in
        group.addTask(executorPreference: nil) {{ }}  // expect: addTask
        group.addTask {{ }}
    }}
    _ = Task(name: "named") {{ }}
    _ = Task(executorPreference: nil) {{ }}  // expect: Task
}}
""", 1),
    ("new-apis-guarded", LOW_PLATFORMS, f"""\
import Synchronization

func guarded() -> Int {{
    if #available({GUARD_15}) {{
        let state = Mutex(0)
        let hits = Atomic<Int>(0)
        hits.add(1, ordering: .relaxed)
        return state.withLock {{ $0 + hits.load(ordering: .relaxed) }}
    }} else {{
        return 0
    }}
}}

func inlineArray() -> Int {{
    if #available({GUARD_26}) {{
        let values: InlineArray<3, Int> = [1, 2, 3]
        return values[0]
    }}
    return 0
}}

func early() -> Int {{
    guard #available({GUARD_15}) else {{ return 0 }}
    return Mutex(2).withLock {{ $0 }}
}}

@available({GUARD_15})
final class Guarded: Sendable {{
    private let state = Mutex(0)
    func value() -> Int {{ state.withLock {{ $0 }} }}
}}

@available(macOS 15.0, iOS 18.0, tvOS 18.0, watchOS 11.0, visionOS 2.0, *)
func annotated(
    _ state: borrowing Mutex<Int>
) -> Int {{
    state.withLock {{ $0 }}
}}

@available({GUARD_15})
extension Mutex where Value == Int {{
    func peek() -> Int {{ withLock {{ $0 }} }}
}}

#if os(Linux)
let linuxOnly = Mutex(0)
#endif
""", 0),
    ("guard-too-low", LOW_PLATFORMS, f"""\
import Synchronization

func tooLow() -> Int {{
    if #available({GUARD_15}) {{
        let values: InlineArray<3, Int> = [1, 2, 3]  // expect: InlineArray
        return values[0]
    }}
    if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, *) {{
        return Mutex(0).withLock {{ $0 }}  // expect: Mutex
    }}
    return 0
}}
""", 1),
    ("old-apis-only", LOW_PLATFORMS, '''\
import Foundation

/* A Mutex would be nicer here, /* nested */ and InlineArray too. */
// Mutex<Int>, Atomic<Int>, InlineArray<3, Int>: only mentioned.
let note = "uses Mutex<Int> and InlineArray only in a string"
let raw = #"Atomic<Int> in a "raw" string \\(Mutex)"#
let long = """
    Mutex(0).withLock { $0 }
    \\(note.count) characters
    """

struct UTF8Span {  // ours, shadowing the standard library's (macOS 26)
    var bytes: [UInt8]
}

func utf8(_ span: UTF8Span) -> Int { span.bytes.count }

struct Box {
    var items: [Int] = []
    func total() -> Int { items.reduce(0, +) }
    func sortedKeys(_ d: [String: Int]) -> [String] { d.keys.sorted() }
}

final class Cache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: Data] = [:]
    func value(for key: String) -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }
}

func work() async throws -> Int {
    let task = Task { 41 + 1 }
    try await Task.sleep(nanoseconds: 1_000)
    return await task.value
}
''', 0),
    ("members-at-new-minimums", NEW_PLATFORMS, '''\
import Foundation

func home() -> URL {
    FileManager.default.homeDirectoryForCurrentUser  // expect: homeDirectoryForCurrentUser
}

struct Scheduler {
    func immediate() {}
}

func spawn() async {
    await withTaskGroup(of: Void.self) { group in
        group.addImmediateTask { }  // expect: addImmediateTask
        group.addTask(executorPreference: nil) { }
    }
    _ = Task.immediate { }  // expect: immediate
    _ = Task(name: "named", executorPreference: nil) { }
    Scheduler().immediate()
}

func copied(_ text: Substring) -> String {
    String(copying: text)  // expect: String
}

func ignored() -> URL {
    FileManager.default.homeDirectoryForCurrentUser  // check-availability: ignore
}
''', 1),
    ("mutex-at-new-minimums", NEW_PLATFORMS, '''\
import Synchronization

final class Counter: Sendable {
    private let state = Mutex(0)
    func bump() -> Int { state.withLock { $0 += 1; return $0 } }
}
''', 0),
]

PLATFORM_PARSE_CASES = [
    ("platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],",
     {"macOS": (15, 0, 0), "iOS": (18, 0, 0), "tvOS": (18, 0, 0), "watchOS": (11, 0, 0), "visionOS": (2, 0, 0)}),
    ("platforms: [\n    .macOS(.v10_15), // old\n    .iOS(\"13.4\")\n],",
     {"macOS": (10, 15, 0), "iOS": (13, 4, 0), "tvOS": (12, 0, 0), "watchOS": (4, 0, 0), "visionOS": (1, 0, 0)}),
    ("name: \"x\",\n    targets: [.target(name: \"x\", swiftSettings: [.define(\"L\", .when(platforms: [.linux]))])],",
     dict(SWIFTPM_DEFAULTS)),
]


def fixture_expectations(source: str) -> set:
    expected = set()
    for n, line in enumerate(source.split("\n"), 1):
        m = re.search(r"// expect: (.*)$", line)
        if m:
            for name in m.group(1).split(","):
                expected.add((n, name.strip()))
    return expected


def write_fixture(base: str, name: str, platforms: str, source: str) -> str:
    root = os.path.join(base, name)
    os.makedirs(os.path.join(root, "Sources", "MSS"), exist_ok=True)
    with open(os.path.join(root, "Package.swift"), "w", encoding="utf-8") as f:
        f.write("// swift-tools-version:6.1\nimport PackageDescription\n\n"
                f"let package = Package(\n    name: \"fixture\",\n    platforms: {platforms},\n"
                "    targets: [.target(name: \"MSS\")]\n)\n")
    with open(os.path.join(root, "Sources", "MSS", "Fixture.swift"), "w", encoding="utf-8") as f:
        f.write(source)
    return root


def self_test(graph_dir: str, verbose: bool) -> int:
    failures = 0
    base = tempfile.mkdtemp(prefix="check-availability-fixtures.")
    try:
        for text, want in PLATFORM_PARSE_CASES:
            path = os.path.join(base, "Package.swift")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"let package = Package(\n    {text}\n)\n")
            got, _ = read_package_platforms(path)
            ok = got == want
            failures += not ok
            print(f"self-test: {'ok' if ok else 'MISJUDGED'}: platforms of {text.splitlines()[0]!r}"
                  + ("" if ok else f": got {format_claims(got)}, want {format_claims(want)}"))
        got = parse_platforms_override("macOS 14, iOS 17, tvOS 17, watchOS 10, visionOS 1")
        ok = got == {"macOS": (14, 0, 0), "iOS": (17, 0, 0), "tvOS": (17, 0, 0), "watchOS": (10, 0, 0), "visionOS": (1, 0, 0)}
        failures += not ok
        print(f"self-test: {'ok' if ok else 'MISJUDGED'}: --platforms parsing")

        cache: dict = {}
        roots = {}
        for name, platforms, source, want_rc in FIXTURES:
            root = write_fixture(base, name, platforms, source)
            roots[name] = root
            claims, claim_source = read_package_platforms(os.path.join(root, "Package.swift"))
            result = check(root, claims, claim_source, graph_dir, cache, verbose)
            got = {(f.line, f.token) for f in result.findings}
            want = fixture_expectations(source)
            rc = 1 if result.findings else 0
            ok = got == want and rc == want_rc
            failures += not ok
            print(f"self-test: {'ok' if ok else 'MISJUDGED'}: {name}: {len(got)} finding(s), expected {len(want)}")
            if not ok or verbose:
                for f in result.findings:
                    print("    " + f.message(result.claims, result.source))
                for line, token in sorted(want - got):
                    print(f"    missed: line {line}: {token}")
                for line, token in sorted(got - want):
                    print(f"    unexpected: line {line}: {token}")

        # The real command line, end to end: its exit status, Package.swift and --platforms.
        script = os.path.abspath(__file__)
        runs = [
            ("exits 1 on a fixture using new APIs", [roots["new-apis-low-minimums"]], 1),
            ("exits 0 on a fixture using old APIs only", [roots["old-apis-only"]], 0),
            ("--platforms takes precedence over Package.swift",
             [roots["new-apis-low-minimums"], "--platforms", "macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26"], 0),
        ]
        for label, args, want_rc in runs:
            cmd = [sys.executable, script, "--root", args[0], "--symbol-graphs", graph_dir] + args[1:]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            ok = proc.returncode == want_rc
            failures += not ok
            print(f"self-test: {'ok' if ok else 'MISJUDGED'}: command line {label} (exit {proc.returncode})")
            if not ok:
                sys.stdout.write(proc.stdout + proc.stderr)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"self-test: {'passed' if not failures else f'{failures} misjudged'}")
    return 1 if failures else 0


# --------------------------------------------------------------------------------------------------


def main() -> int:
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=default_root, help="the package root (default: this repository)")
    parser.add_argument("--platforms", help='minimums replacing Package.swift\'s, e.g. "macOS 15, iOS 18, tvOS 18, '
                                            'watchOS 11, visionOS 2" (platforms not named get SwiftPM\'s defaults)')
    parser.add_argument("--self-test", action="store_true", help="check the checker against fixture sources")
    parser.add_argument("--symbol-graphs", metavar="DIR",
                        help="reuse (or fill) this directory of extracted symbol graphs instead of a fresh temporary one")
    parser.add_argument("--list-symbols", action="store_true", help="print the table of declarations above the minimums")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    if shutil.which("swift") is None:
        print("check-availability: `swift` is not on PATH", file=sys.stderr)
        return 2
    started = time.monotonic()
    own_tmp = None
    graph_dir = args.symbol_graphs
    if graph_dir is None:
        own_tmp = tempfile.mkdtemp(prefix="check-availability-graphs.")
        graph_dir = own_tmp
    else:
        os.makedirs(graph_dir, exist_ok=True)
    try:
        if args.self_test:
            return self_test(graph_dir, args.verbose)
        root = os.path.abspath(args.root)
        if args.platforms:
            claims, source = parse_platforms_override(args.platforms), "--platforms"
        else:
            claims, source = read_package_platforms(os.path.join(root, "Package.swift"))
        result = check(root, claims, source, graph_dir, None, args.verbose, args.list_symbols)
        print_result(result, time.monotonic() - started)
        return 1 if result.findings else 0
    except (RuntimeError, ValueError, OSError, subprocess.CalledProcessError) as error:
        print(f"check-availability: {error}", file=sys.stderr)
        return 2
    finally:
        if own_tmp:
            shutil.rmtree(own_tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
