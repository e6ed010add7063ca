import Foundation
import MSS
import S3Protocol
import Testing

/// Grants between two users of mss-server through the SDK: what one user owns is refused to
/// another until granted, and to anonymous callers until made public. Ceph RGW is not asked: the
/// script creates a single RGW user.
@Suite struct AccessControlUsersTests {
    static let targets = Targets.strict.filter { $0.server == "mss" }
    /// Runs when the script gave the users, and fails (rather than skips) when it required
    /// servers but left them out.
    static let enabled = !targets.isEmpty && (TestUser.mss.count >= 2 || TestTarget.required)

    /// A grant as comparable data: servers fill in display names the request left out.
    static func summary(_ grant: AccessControlPolicy.Grant) -> String {
        switch grant.grantee {
        case .canonicalUser(let id, _): "id=\(id):\(grant.permission)"
        case .group(let uri): "uri=\(uri):\(grant.permission)"
        case .email(let address): "email=\(address):\(grant.permission)"
        }
    }

    static func isAccessDenied(_ error: any Error) -> Bool {
        guard let error = error as? S3Error else { return false }
        return error.code == .accessDenied && error.status == 403
    }

    @Test(.enabled(if: enabled), arguments: targets)
    func grantsBetweenTwoUsersAndAnonymous(_ target: TestTarget) async throws {
        try #require(TestUser.mss.count >= 2, "MSS_TEST_MSS_USERS must name two users of mss-server")
        let userB = try target.connection(as: TestUser.mss[1])
        let anonymous = try target.anonymousConnection()
        do {
            try await grants(target, userB: userB, anonymous: anonymous)
        } catch {
            try? await userB.shutdown()
            try? await anonymous.shutdown()
            throw error
        }
        try await userB.shutdown()
        try await anonymous.shutdown()
    }

    /// The test itself; user A's connection is made and shut down by `withBucket`.
    private func grants(_ target: TestTarget, userB: S3Connection, anonymous: S3Connection) async throws {
        try await target.withBucket(tag: "aclusers", connection: try target.connection(as: TestUser.mss[0])) { _, bucket in
            // B's canonical ID, as the owner of a bucket of its own.
            let ownBucket = try await userB.createBucket(target.uniqueBucketName("aclb"))
            let idB = try #require(try await ownBucket.acl().owner?.id)
            try await ownBucket.delete()

            let idA = try #require(try await bucket.acl().owner?.id)
            #expect(idA != idB)
            let key = bucket.newKey("shared.txt")
            try await key.setContents("from A")
            #expect(try await key.acl().owner?.id == idA)

            let asB = Bucket(connection: userB, name: bucket.name)
            let keyAsB = asB.newKey("shared.txt")
            let keyAsAnonymous = Bucket(connection: anonymous, name: bucket.name).newKey("shared.txt")

            // Nothing is B's until granted: reading, listing, writing and the ACL itself.
            await #expect { _ = try await keyAsB.string() } throws: { Self.isAccessDenied($0) }
            await #expect { _ = try await asB.allKeys() } throws: { Self.isAccessDenied($0) }
            await #expect { try await asB.newKey("intruder.txt").setContents("from B") } throws: { Self.isAccessDenied($0) }
            await #expect { _ = try await keyAsB.acl() } throws: { Self.isAccessDenied($0) }

            // A grants B READ on the object, keeping full control itself.
            let fullA = AccessControlPolicy.Grant(grantee: .canonicalUser(id: idA, displayName: nil), permission: .fullControl)
            let readB = AccessControlPolicy.Grant(grantee: .canonicalUser(id: idB, displayName: nil), permission: .read)
            try await key.setACL(grants: [fullA, readB])
            let granted = try await key.acl()
            #expect(granted.owner?.id == idA)
            #expect(Set(granted.grants.map(Self.summary)) == Set([fullA, readB].map(Self.summary)))
            #expect(try await keyAsB.string() == "from A")
            #expect(try await keyAsB.info()?.size == 6)
            // READ on the object is not READ_ACP, nor anything on the bucket.
            await #expect { _ = try await keyAsB.acl() } throws: { Self.isAccessDenied($0) }
            await #expect { _ = try await asB.allKeys() } throws: { Self.isAccessDenied($0) }
            await #expect { _ = try await keyAsAnonymous.string() } throws: { Self.isAccessDenied($0) }

            // READ on the bucket lets B list it, still not write to it.
            try await bucket.setACL(grants: [fullA, readB])
            #expect(try await asB.allKeys().map(\.key) == ["shared.txt"])
            await #expect { try await asB.newKey("intruder.txt").setContents("from B") } throws: { Self.isAccessDenied($0) }

            // public-read replaces the grants: anyone reads, B through AllUsers now.
            try await key.setACL(.publicRead)
            let everyone = AccessControlPolicy.Grant(grantee: .group(uri: AccessControlPolicy.Group.allUsers), permission: .read)
            let published = try await key.acl()
            #expect(Set(published.grants.map(Self.summary)) == Set([fullA, everyone].map(Self.summary)))
            #expect(try await keyAsAnonymous.string() == "from A")
            #expect(try await keyAsB.string() == "from A")

            try await key.setACL(.private)
            await #expect { _ = try await keyAsAnonymous.string() } throws: { Self.isAccessDenied($0) }
            await #expect { _ = try await keyAsB.string() } throws: { Self.isAccessDenied($0) }
        }
    }
}
