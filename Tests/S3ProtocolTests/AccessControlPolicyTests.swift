import S3Protocol
import Testing

@Suite struct AccessControlPolicyTests {
    @Test func roundTrips() throws {
        let policy = AccessControlPolicy(
            owner: Owner(id: String(repeating: "a", count: 64), displayName: "alice"),
            grants: [
                .init(grantee: .canonicalUser(id: String(repeating: "a", count: 64), displayName: "alice"), permission: .fullControl),
                .init(grantee: .group(uri: AccessControlPolicy.Group.allUsers), permission: .read),
                .init(grantee: .email("bob@example.com"), permission: .writeACP),
            ])
        let text = policy.serialized()
        #expect(text.contains("xsi:type=\"CanonicalUser\""))
        #expect(text.contains("xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""))
        #expect(try AccessControlPolicy(bytes: Array(text.utf8)) == policy)
    }

    /// The GetBucketAcl sample of the S3 API reference, with another prefix for the schema
    /// instance namespace: the prefix is whatever the document declares.
    @Test func decodesAnyDeclaredPrefix() throws {
        let sample = """
            <AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID><DisplayName>CustomersName@amazon.com</DisplayName></Owner>
              <AccessControlList>
                <Grant>
                  <Grantee xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="CanonicalUser">
                    <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
                  </Grantee>
                  <Permission>FULL_CONTROL</Permission>
                </Grant>
                <Grant>
                  <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee>
                  <Permission>READ</Permission>
                </Grant>
              </AccessControlList>
            </AccessControlPolicy>
            """
        let policy = try AccessControlPolicy(bytes: Array(sample.utf8))
        #expect(policy.owner?.displayName == "CustomersName@amazon.com")
        #expect(policy.grants.map(\.permission) == [.fullControl, .read])
        #expect(policy.grants[0].grantee == .canonicalUser(id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", displayName: nil))
        #expect(policy.grants[1].grantee == .group(uri: AccessControlPolicy.Group.allUsers))
    }

    @Test func refusesMalformedGrants() {
        let cases = [
            // No xsi:type at all.
            "<Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant>",
            // A type in another namespace.
            "<Grant><Grantee xmlns:t=\"urn:other\" t:type=\"CanonicalUser\"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>",
            // An unknown permission, and one in the wrong case.
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>x</ID></Grantee><Permission>EVERYTHING</Permission></Grant>",
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>x</ID></Grantee><Permission>read</Permission></Grant>",
            // A canonical user without an ID, a group without a URI, an unknown type.
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"></Grantee><Permission>READ</Permission></Grant>",
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>",
            "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Robot\"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>",
            // No grantee, and something that is not a grant in the list.
            "<Grant><Permission>READ</Permission></Grant>",
            "<Other/>",
        ]
        for grant in cases {
            let text = "<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList>\(grant)</AccessControlList></AccessControlPolicy>"
            #expect(throws: DocumentError.self, "\(grant)") { try AccessControlPolicy(bytes: Array(text.utf8)) }
        }
        let ownerless = "<AccessControlPolicy><Owner><DisplayName>x</DisplayName></Owner></AccessControlPolicy>"
        #expect(throws: DocumentError.self) { try AccessControlPolicy(bytes: Array(ownerless.utf8)) }
    }
}
