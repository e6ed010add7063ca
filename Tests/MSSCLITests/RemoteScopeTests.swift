import Testing

@testable import MSSCLI

/// Which keys a remote path with wildcards and filters takes, and the relative paths copies keep.
@Suite struct RemoteScopeTests {
    @Test func wildcardListsFromTheLiteralPart() throws {
        let scope = try RemoteScope(bucket: "b", key: "photos/20*/raw/*.jpg", selection: Selection())
        #expect(scope.isWildcard && scope.listPrefix == "photos/20" && scope.root == "photos/")
        #expect(scope.selects("photos/2020/raw/a.jpg"))
        #expect(!scope.selects("photos/2020/raw/deeper/a.jpg"))
        #expect(!scope.selects("photos/2020/a.jpg"))
        #expect(scope.relative("photos/2020/raw/a.jpg") == "2020/raw/a.jpg")
        #expect(scope.location == .remote(bucket: "b", key: "photos/20*/raw/*.jpg"))
    }

    @Test func filtersSeePathsBelowThePrefix() throws {
        let selection = Selection(filters: [
            .init(include: false, pattern: try GlobPattern("*", syntax: .filter)),
            .init(include: true, pattern: try GlobPattern("*.jpg", syntax: .filter)),
        ])
        let scope = try RemoteScope(bucket: "b", key: "photos", selection: selection)
        #expect(!scope.isWildcard && scope.narrows)
        #expect(scope.selects("photos/a/b.jpg") && !scope.selects("photos/a/b.png"))
        #expect(scope.selectsPrefix("photos/a/") == false)
        // Without filters or wildcards, everything, and prefixes too.
        let plain = try RemoteScope(bucket: "b", key: "photos/", selection: Selection())
        #expect(!plain.narrows && plain.selects("photos/x") && plain.selectsPrefix("photos/y/"))
    }

    @Test func rawAndEscapedPathsAreLiteral() throws {
        let raw = try RemoteScope(bucket: "b", key: "a*b", selection: Selection(raw: true))
        #expect(!raw.isWildcard && raw.listPrefix == "a*b")
        let escaped = try RemoteScope(bucket: "b", key: "dir\\*/*.txt", selection: Selection())
        #expect(escaped.listPrefix == "dir*/" && escaped.selects("dir*/x.txt") && !escaped.selects("dirx/x.txt"))
    }
}
