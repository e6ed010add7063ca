import Foundation
import MSS
import S3Protocol
import Testing

/// Bucket and object ACLs through the SDK: reading the policy, replacing it with a grant list or
/// grant headers, and an anonymous client seeing the effect.
@Suite struct AccessControlTests {
    static let allUsersRead = AccessControlPolicy.Grant(grantee: .group(uri: AccessControlPolicy.Group.allUsers), permission: .read)

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func bucketPolicyRoundTrip(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "acl") { _, bucket in
            let initial = try await bucket.acl()
            let owner = try #require(initial.owner)
            #expect(initial.grants.contains { grant in
                grant.permission == .fullControl && { if case .canonicalUser(let id, _) = grant.grantee { id == owner.id } else { false } }()
            })
            #expect(!initial.grants.contains(Self.allUsersRead))

            try await bucket.setACL(.publicRead)
            #expect(try await bucket.acl().grants.contains(Self.allUsersRead))

            let ownerFull = AccessControlPolicy.Grant(grantee: .canonicalUser(id: owner.id, displayName: nil), permission: .fullControl)
            let readACP = AccessControlPolicy.Grant(grantee: .group(uri: AccessControlPolicy.Group.authenticatedUsers), permission: .readACP)
            try await bucket.setACL(AccessControlPolicy(owner: owner, grants: [ownerFull, readACP]))
            let replaced = try await bucket.acl()
            #expect(replaced.grants.contains(readACP))
            #expect(!replaced.grants.contains(Self.allUsersRead))
            #expect(replaced.grants.count == 2)

            try await bucket.setACL(grants: [ownerFull, Self.allUsersRead])
            let fromHeaders = try await bucket.acl()
            #expect(fromHeaders.grants.contains(Self.allUsersRead))
            #expect(!fromHeaders.grants.contains(readACP))
            try await bucket.setACL(.private)
            #expect(try await bucket.acl().grants.count == 1)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func objectGrantsDecideAnonymousReads(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "objacl") { _, bucket in
            let key = bucket.newKey("shared.txt")
            try await key.setContents("for everyone")
            let anonymous = try target.anonymousConnection()
            defer { Task { try? await anonymous.shutdown() } }
            let seen = Bucket(connection: anonymous, name: bucket.name).newKey("shared.txt")
            await #expect { _ = try await seen.string() } throws: { ($0 as? S3Error)?.status == 403 }

            var policy = try await key.acl()
            let owner = try #require(policy.owner)
            policy.grants.append(Self.allUsersRead)
            try await key.setACL(policy)
            #expect(try await key.acl().grants.contains(Self.allUsersRead))
            #expect(try await seen.string() == "for everyone")

            try await key.setACL(.private)
            await #expect { _ = try await seen.string() } throws: { ($0 as? S3Error)?.status == 403 }

            try await key.setACL(grants: [
                .init(grantee: .canonicalUser(id: owner.id, displayName: nil), permission: .fullControl), Self.allUsersRead,
            ])
            #expect(try await seen.string() == "for everyone")
            // Every canned ACL is accepted on objects.
            for canned in CannedACL.allCases {
                try await key.setACL(canned)
            }
            #expect(try await key.acl().owner?.id == owner.id)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func versionACLs(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "veracl") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            let key = bucket.newKey("k")
            let old = try #require(try await key.setContents("old").versionID)
            try await key.setContents("new")
            var policy = try await key.acl(versionID: old)
            policy.grants.append(Self.allUsersRead)
            try await key.setACL(policy, versionID: old)
            #expect(try await key.acl(versionID: old).grants.contains(Self.allUsersRead))
            #expect(!(try await key.acl().grants.contains(Self.allUsersRead)))
        }
    }
}
