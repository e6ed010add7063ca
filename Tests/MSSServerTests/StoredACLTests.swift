import Foundation
import S3Protocol
import Testing

@testable import MSSServer

/// The ACL model: what each canned ACL grants, who a grant reaches, and the stored form,
/// including the bare strings of data directories from before users.
@Suite struct StoredACLTests {
    static let owner = ServerUser(credentials: Credentials(accessKey: "OWNERKEY", secretKey: "owner-secret"))
    static let writer = ServerUser(credentials: Credentials(accessKey: "WRITERKEY", secretKey: "writer-secret"))
    static let stranger = ServerUser(credentials: Credentials(accessKey: "STRANGERKEY", secretKey: "stranger-secret"))

    /// Who holds READ and WRITE under each canned ACL of an object `writer` put in `owner`'s bucket.
    static let cannedCases: [(CannedACL, [ServerUser?], [ServerUser?])] = [
        (CannedACL.private, [writer], [writer]),
        (.publicRead, [writer, owner, stranger, nil], [writer]),
        (.publicReadWrite, [writer, owner, stranger, nil], [writer, owner, stranger, nil]),
        (.authenticatedRead, [writer, owner, stranger], [writer]),
        (.bucketOwnerRead, [writer, owner], [writer]),
        (.bucketOwnerFullControl, [writer, owner], [writer, owner]),
        (.logDeliveryWrite, [writer], [writer]),
    ]

    @Test(arguments: cannedCases)
    func cannedACLs(canned: CannedACL, readers: [ServerUser?], writers: [ServerUser?]) {
        let acl = canned.acl(owner: Self.writer.id, bucketOwner: Self.owner.id)
        #expect(acl.owner == Self.writer.id)
        for user in [Self.owner, Self.writer, Self.stranger, nil] {
            #expect(acl.grants(.read, to: user) == readers.contains(user), "\(canned) READ for \(user?.accessKey ?? "anonymous")")
            #expect(acl.grants(.write, to: user) == writers.contains(user), "\(canned) WRITE for \(user?.accessKey ?? "anonymous")")
        }
    }

    @Test func bucketOwnerACLsOnBucketsOrOwnObjectsAreJustPrivate() {
        let privateACL = CannedACL.private.acl(owner: Self.owner.id, bucketOwner: nil)
        #expect(CannedACL.bucketOwnerRead.acl(owner: Self.owner.id, bucketOwner: nil) == privateACL)
        #expect(CannedACL.bucketOwnerFullControl.acl(owner: Self.owner.id, bucketOwner: Self.owner.id) == privateACL)
        #expect(privateACL.grants == [StoredGrant(.user(Self.owner.id), .fullControl)])
    }

    @Test func fullControlImpliesEveryPermission() {
        let acl = StoredACL(owner: Self.owner.id, grants: [StoredGrant(.user(Self.writer.id), .fullControl)])
        for permission in ACLPermission.allCases {
            #expect(acl.grants(permission, to: Self.writer))
            #expect(!acl.grants(permission, to: Self.owner), "ownership alone is no grant")
        }
        let readACP = StoredACL(owner: Self.owner.id, grants: [StoredGrant(.user(Self.writer.id), .readACP)])
        #expect(readACP.grants(.readACP, to: Self.writer))
        #expect(!readACP.grants(.read, to: Self.writer) && !readACP.grants(.writeACP, to: Self.writer))
    }

    @Test func groups() {
        #expect(ACLGrantee.group(.allUsers).includes(nil))
        #expect(!ACLGrantee.group(.authenticatedUsers).includes(nil))
        #expect(ACLGrantee.group(.authenticatedUsers).includes(Self.stranger))
        #expect(!ACLGrantee.group(.logDelivery).includes(Self.owner))
        for group in ACLGroup.allCases { #expect(ACLGroup(uri: group.uri) == group) }
        #expect(ACLGroup(uri: "http://acs.amazonaws.com/groups/global/Nobody") == nil)
    }

    @Test func storedFormRoundTrips() throws {
        let acl = StoredACL(
            owner: Self.owner.id,
            grants: [
                StoredGrant(.user(Self.owner.id), .fullControl), StoredGrant(.group(.allUsers), .read),
                StoredGrant(.user(Self.writer.id), .writeACP),
            ])
        let data = try JSONEncoder().encode(acl)
        #expect(try JSONDecoder().decode(StoredACL.self, from: data) == acl)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"group\":\"AllUsers\"") && text.contains("\"permission\":\"WRITE_ACP\""))
    }

    /// Documents written before users hold the canned name; the primary user owns them.
    @Test func legacyDocumentsDecodeAndResolveToThePrimaryUser() throws {
        let primary = Self.owner.id
        let privateACL = try JSONDecoder().decode(StoredACL.self, from: Data("\"private\"".utf8))
        #expect(privateACL.owner == nil)
        #expect(privateACL.resolved(primary: primary) == CannedACL.private.acl(owner: primary, bucketOwner: nil))
        let publicACL = try JSONDecoder().decode(StoredACL.self, from: Data("\"public-read\"".utf8))
        #expect(publicACL.resolved(primary: primary) == CannedACL.publicRead.acl(owner: primary, bucketOwner: nil))
        for legacy in [StoredACL.private, .publicRead] {
            let text = String(decoding: try JSONEncoder().encode(legacy), as: UTF8.self)
            #expect(text == (legacy == .private ? "\"private\"" : "\"public-read\""), "written as older servers did")
            #expect(try JSONDecoder().decode(StoredACL.self, from: Data(text.utf8)) == legacy)
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StoredACL.self, from: Data("\"public-read-write\"".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StoredACL.self, from: Data("{\"owner\":\"x\"}".utf8)) }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(StoredACL.self, from: Data("{\"grants\":[{\"id\":\"x\",\"permission\":\"ALL\"}]}".utf8))
        }

        // A whole bucket document of an older server.
        let bucket = try JSONDecoder().decode(
            StoredBucket.self, from: Data(#"{"name":"old","created":1700000000000,"acl":"public-read","formatVersion":1}"#.utf8))
        #expect(bucket.acl.resolved(primary: primary).grants(.read, to: nil))
        // Resolving leaves an ACL that has an owner alone, even one with no grants.
        let empty = StoredACL(owner: Self.writer.id, grants: [])
        #expect(empty.resolved(primary: primary) == empty)
    }
}
