import ArgumentParser
import Foundation
import Testing

@testable import MSSCLI

/// `--include`/`--exclude` patterns match as `aws s3` (Python's fnmatch) does; wildcard paths as a
/// shell matches file names; neither can be made slow or made to trap.
@Suite struct GlobPatternTests {
    /// Expected answers from Python's `fnmatch.fnmatchcase`, which `aws s3` filters use.
    @Test func filtersMatchLikeFnmatch() throws {
        let cases: [(String, String, Bool)] = [
            ("*", "a/b/c", true), ("*.jpg", "photos/a.jpg", true), ("*.jpg", "a.jpeg", false), ("a?c", "abc", true),
            ("a?c", "a/c", true), ("[abc]x", "bx", true), ("[!abc]x", "bx", false), ("[!abc]x", "dx", true), ("[a-c]", "b", true),
            ("[z-a]", "b", false), ("[!z-a]", "b", true), ("[]]", "]", true), ("[!]]", "]", false), ("[!]]", "a", true),
            ("[", "[", true), ("[abc", "[abc", true), ("[!", "[!", true), ("a\\*", "a\\b", true), ("a\\*", "a*", false),
            ("[\\]", "\\", true), ("[a-]", "-", true), ("[-a]", "-", true), ("[!]", "[!]", true), ("**", "a/b", true),
            ("?", "é", true), ("photos/*", "photos/2020/a.jpg", true), ("*/", "a/", true), ("", "", true), ("", "a", false),
            ("[^a]", "^", true), ("[^a]", "b", false), ("a", "ab", false), ("ab", "a", false), ("a*", "a", true), ("*a", "ba", true),
            ("?*?", "a", false), ("*?*?*", "ab", true),
        ]
        for (pattern, text, expected) in cases {
            #expect(try GlobPattern(pattern, syntax: .filter).matches(text) == expected, "\(pattern) against \(text)")
        }
    }

    @Test func pathWildcardsStopAtSlashUnlessDoubled() throws {
        let star = try GlobPattern("photos/*.jpg", syntax: .path)
        #expect(star.matches("photos/a.jpg"))
        #expect(!star.matches("photos/2020/a.jpg"))
        let double = try GlobPattern("photos/**.jpg", syntax: .path)
        #expect(double.matches("photos/2020/a.jpg") && double.matches("photos/a.jpg"))
        #expect(!(try GlobPattern("a?b", syntax: .path)).matches("a/b"))
        #expect(!(try GlobPattern("a[!x]b", syntax: .path)).matches("a/b"))
        // `\` takes the next character literally, in and out of sets; an escaped `-` is no range.
        let escaped = try GlobPattern("a\\*b", syntax: .path)
        #expect(escaped.matches("a*b") && !escaped.matches("axb") && !escaped.hasWildcards)
        let set = try GlobPattern("[a\\-c]", syntax: .path)
        #expect(set.matches("-") && set.matches("a") && !set.matches("b"))
        #expect(try GlobPattern("trailing\\", syntax: .path).matches("trailing\\"))
    }

    @Test func literalPrefixAndDirectory() throws {
        let glob = try GlobPattern("photos/20*/raw/*.jpg", syntax: .path)
        #expect(glob.literalPrefix == "photos/20")
        let (directory, rest) = glob.splitAtDirectory()
        #expect(directory == "photos/")
        #expect(rest.matches("2020/raw/a.jpg") && !rest.matches("2020/a.jpg"))
        #expect(rest.maximumComponents == 3)
        #expect(try GlobPattern("a/**", syntax: .path).splitAtDirectory().rest.maximumComponents == nil)
        let escaped = try GlobPattern("a\\*dir/*.txt", syntax: .path).splitAtDirectory()
        #expect(escaped.directory == "a*dir/" && escaped.rest.matches("x.txt"))
        #expect(try GlobPattern("*.jpg", syntax: .path).splitAtDirectory().directory == "")
        #expect(try GlobPattern("[unclosed", syntax: .path).hasWildcards == false)
    }

    /// A backtracking matcher takes exponential time here; this one takes pattern × text steps.
    @Test func pathologicalPatternsStayFast() throws {
        let text = String(repeating: "a", count: 4000)
        let start = ContinuousClock.now
        for syntax in [GlobPattern.Syntax.filter, .path] {
            #expect(!(try GlobPattern("*a*a*a*a*a*a*a*a*a*a*a*a*b", syntax: syntax)).matches(text))
            #expect(try GlobPattern(String(repeating: "*a", count: 150), syntax: syntax).matches(text))
            #expect(!(try GlobPattern(String(repeating: "*a", count: 150) + "*b", syntax: syntax)).matches(text))
            #expect(!(try GlobPattern(String(repeating: "?", count: 4001), syntax: syntax)).matches(text))
        }
        // Debug builds included: exponential matching would take years, this takes well under a second.
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func hostilePatternsAreRefusedOrTakenLiterally() throws {
        #expect(throws: CLIError.self) { try GlobPattern(String(repeating: "*", count: GlobPattern.maximumLength + 1), syntax: .filter) }
        for hostile in ["[", "[!", "[]", "[!]", "\\", "[\\", "[a-", "[--]", "\u{0}", "[\u{10FFFF}-\u{0}]", "[\u{0}-\u{10FFFF}]", "***/***"] {
            for syntax in [GlobPattern.Syntax.filter, .path] {
                let pattern = try GlobPattern(hostile, syntax: syntax)
                _ = pattern.matches(hostile)
                _ = pattern.matches("")
                _ = pattern.matches("some/key\u{301}")
            }
        }
        #expect(try GlobPattern("[\u{0}-\u{10FFFF}]", syntax: .filter).matches("🙂"))
        // Characters are code points: a combining accent is one more, as in S3 keys.
        #expect(try GlobPattern("e?", syntax: .filter).matches("e\u{301}"))
        #expect(!(try GlobPattern("?", syntax: .filter)).matches("e\u{301}"))
    }

    @Test func laterFiltersWin() throws {
        func selection(_ arguments: [String]) throws -> Selection {
            let options = try SelectionOptions.parse(Array(arguments.dropFirst()))
            return try options.selection(arguments: arguments)
        }
        let onlyJPEG = try selection(["mss", "--exclude", "*", "--include", "*.jpg"])
        #expect(onlyJPEG.includes("a/b.jpg") && !onlyJPEG.includes("b.txt"))
        let nothing = try selection(["mss", "--include", "*.jpg", "--exclude", "*"])
        #expect(!nothing.includes("a/b.jpg") && !nothing.includes("b.txt"))
        let equals = try selection(["mss", "--exclude=*", "--include=*.txt", "--exclude", "secret*"])
        #expect(equals.includes("a.txt") && !equals.includes("secret.txt") && !equals.includes("a.jpg"))
        #expect(try selection(["mss"]).includes("anything"))
        // Order read from elsewhere than what was parsed is refused rather than guessed.
        let options = try SelectionOptions.parse(["--include", "a", "--exclude", "b"])
        #expect(throws: CLIError.self) { try options.selection(arguments: ["mss", "--include", "x"]) }
    }

    @Test func relativePathsCountCodePoints() {
        #expect(Selection.relative("photos/a.jpg", under: "photos") == "a.jpg")
        #expect(Selection.relative("photos/a.jpg", under: "photos/") == "a.jpg")
        #expect(Selection.relative("photos.txt", under: "photos") == ".txt")
        #expect(Selection.relative("e\u{301}/x", under: "e") == "\u{301}/x")
        #expect(Selection.relative("other", under: "photos/") == "other")
    }
}
