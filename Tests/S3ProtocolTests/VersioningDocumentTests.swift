import Foundation
import S3Protocol
import Testing

/// The documents of versioning, GetObjectAttributes and versioned DeleteObjects, decoded from the
/// samples of the S3 API reference and round-tripped through their own encoding.
@Suite struct VersioningDocumentTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000.25)

    func roundTrip<D: S3Document>(_ document: D) throws {
        let text = document.serialized()
        let decoded = try D(bytes: Array(text.utf8))
        #expect(decoded == document, "\(D.rootName): \(text)")
    }

    @Test func versioningConfigurationSamples() throws {
        let enabled = try VersioningConfiguration(
            bytes: Array(
                """
                <VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Status>Enabled</Status>
                </VersioningConfiguration>
                """.utf8))
        #expect(enabled == VersioningConfiguration(status: .enabled))
        let suspended = try VersioningConfiguration(
            bytes: Array(
                """
                <VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Status>Suspended</Status>
                  <MfaDelete>Disabled</MfaDelete>
                </VersioningConfiguration>
                """.utf8))
        #expect(suspended == VersioningConfiguration(status: .suspended, mfaDelete: .disabled))
        // A bucket never versioned answers with an empty document.
        let never = try VersioningConfiguration(
            bytes: Array(#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#.utf8))
        #expect(never.status == nil && never.mfaDelete == nil)
        #expect(throws: DocumentError.self) {
            try VersioningConfiguration(bytes: Array("<VersioningConfiguration><Status>On</Status></VersioningConfiguration>".utf8))
        }
        try roundTrip(VersioningConfiguration(status: .enabled, mfaDelete: .enabled))
        try roundTrip(VersioningConfiguration(status: nil))
        #expect(VersioningConfiguration(status: .suspended).serialized().contains("<Status>Suspended</Status>"))
    }

    @Test func listVersionsSampleKeepsDocumentOrder() throws {
        // The sample response of ListObjectVersions in the S3 API reference.
        let sample = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01">
                <Name>bucket</Name>
                <Prefix>my</Prefix>
                <KeyMarker/>
                <VersionIdMarker/>
                <MaxKeys>5</MaxKeys>
                <IsTruncated>false</IsTruncated>
                <Version>
                    <Key>my-image.jpg</Key>
                    <VersionId>3/L4kqtJl40Nr8X8gdRQBpUMLUo</VersionId>
                    <IsLatest>true</IsLatest>
                    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
                    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
                    <Size>434234</Size>
                    <StorageClass>STANDARD</StorageClass>
                    <Owner>
                        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
                        <DisplayName>mtd@amazon.com</DisplayName>
                    </Owner>
                </Version>
                <DeleteMarker>
                    <Key>my-second-image.jpg</Key>
                    <VersionId>03jpff543dhffds434rfdsFDN943fdsFkdmqnh892</VersionId>
                    <IsLatest>true</IsLatest>
                    <LastModified>2009-11-12T17:50:30.000Z</LastModified>
                    <Owner>
                        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
                        <DisplayName>mtd@amazon.com</DisplayName>
                    </Owner>
                </DeleteMarker>
                <Version>
                    <Key>my-second-image.jpg</Key>
                    <VersionId>QUpfdndhfd8438MNFDN93jdnJFkdmqnh893</VersionId>
                    <IsLatest>false</IsLatest>
                    <LastModified>2009-10-10T17:50:30.000Z</LastModified>
                    <ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>
                    <Size>166434</Size>
                    <StorageClass>STANDARD</StorageClass>
                    <Owner>
                        <ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a</ID>
                        <DisplayName>mtd@amazon.com</DisplayName>
                    </Owner>
                </Version>
            </ListVersionsResult>
            """
        let result = try ListVersionsResult(bytes: Array(sample.utf8))
        #expect(result.name == "bucket")
        #expect(result.prefix == "my")
        #expect(result.keyMarker == "")
        #expect(result.versionIDMarker == "")
        #expect(result.maxKeys == 5)
        #expect(!result.isTruncated)
        #expect(result.entries.map(\.isDeleteMarker) == [false, true, false])
        #expect(result.entries.map(\.versionID) == [
            "3/L4kqtJl40Nr8X8gdRQBpUMLUo", "03jpff543dhffds434rfdsFDN943fdsFkdmqnh892", "QUpfdndhfd8438MNFDN93jdnJFkdmqnh893",
        ])
        let first = try #require(result.entries.first)
        #expect(first.key == "my-image.jpg")
        #expect(first.isLatest)
        #expect(first.etag == "\"fba9dede5f27731c9771645a39863328\"")
        #expect(first.size == 434_234)
        #expect(first.lastModified == HTTPDate.parseISO8601("2009-10-12T17:50:30.000Z"))
        #expect(first.owner?.displayName == "mtd@amazon.com")
        let marker = result.entries[1]
        #expect(marker.size == nil && marker.etag == nil && marker.isLatest)
        #expect(result.deleteMarkers.count == 1 && result.versions.count == 2)
        #expect(!result.entries[2].isLatest)
    }

    @Test func listVersionsRoundTripsAndDecodesURLEncoding() throws {
        try roundTrip(
            ListVersionsResult(
                name: "b", prefix: "p/", keyMarker: "p/a", versionIDMarker: "v1", nextKeyMarker: "p/c",
                nextVersionIDMarker: "null", maxKeys: 2, delimiter: "/", isTruncated: true,
                entries: [
                    .deleteMarker(key: "p/b", versionID: "v3", isLatest: true, lastModified: Self.date, owner: Owner(id: "o")),
                    .version(key: "p/b", versionID: "v2", isLatest: false, lastModified: Self.date, etag: "\"e\"", size: 3),
                    .version(key: "p/c & <d>", versionID: "null", isLatest: true, lastModified: nil, etag: nil, size: 0),
                ],
                commonPrefixes: ["p/q/"]))
        let encoded = """
            <ListVersionsResult><Name>b</Name><Prefix>a%20b</Prefix><KeyMarker>a+b%2Fc</KeyMarker>
            <EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
            <Version><Key>a+b%0Ac</Key><VersionId>v%2F1</VersionId><IsLatest>true</IsLatest><Size>1</Size></Version>
            <CommonPrefixes><Prefix>a%2Bb/</Prefix></CommonPrefixes></ListVersionsResult>
            """
        let decoded = try ListVersionsResult(bytes: Array(encoded.utf8)).urlDecoded()
        #expect(decoded.prefix == "a b")
        #expect(decoded.keyMarker == "a b/c")
        #expect(decoded.entries.first?.key == "a b\nc")
        // Version ids are opaque and never url-encoded by S3.
        #expect(decoded.entries.first?.versionID == "v%2F1")
        #expect(decoded.commonPrefixes == ["a+b/"])
        #expect(decoded.encodingType == nil)
    }

    @Test func listVersionsRefusesOutOfBoundNumbers() {
        let bad = [
            "<ListVersionsResult><Name>b</Name><MaxKeys>-1</MaxKeys></ListVersionsResult>",
            "<ListVersionsResult><Name>b</Name><MaxKeys>99999999999999999999999</MaxKeys></ListVersionsResult>",
            "<ListVersionsResult><Name>b</Name><Version><Key>k</Key><VersionId>v</VersionId><Size>6000000000000</Size></Version></ListVersionsResult>",
            "<ListVersionsResult><Name>b</Name><Version><Key>k</Key><VersionId>v</VersionId></Version></ListVersionsResult>",
            "<ListVersionsResult><Name>b</Name><Version><Key>k</Key><Size>1</Size></Version></ListVersionsResult>",
            "<ListVersionsResult><Name>b</Name><DeleteMarker><VersionId>v</VersionId></DeleteMarker></ListVersionsResult>",
        ]
        for text in bad {
            #expect(throws: DocumentError.self, "\(text)") { try ListVersionsResult(bytes: Array(text.utf8)) }
        }
    }

    @Test func getObjectAttributesSample() throws {
        // Shaped like the GetObjectAttributes example of the S3 API reference: the parts count
        // travels as <PartsCount> although the member is called TotalPartsCount.
        let sample = """
            <?xml version="1.0" encoding="UTF-8"?>
            <GetObjectAttributesResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <ETag>b7a9b8c3e8e0a1d5e3c9d0b6a7f1e2c3-3</ETag>
              <Checksum>
                <ChecksumSHA256>x+9CZ9FpNjrZ8ljoi7G3ez2kLsrSBwjT2sUsXSc4Fv4=</ChecksumSHA256>
                <ChecksumType>COMPOSITE</ChecksumType>
              </Checksum>
              <ObjectParts>
                <IsTruncated>true</IsTruncated>
                <MaxParts>2</MaxParts>
                <NextPartNumberMarker>2</NextPartNumberMarker>
                <PartNumberMarker>0</PartNumberMarker>
                <Part>
                  <ChecksumSHA256>mWt1Vhz4V3G4QnQx7AaQPvCdaqF6K4ra3PxjJ1VJNaA=</ChecksumSHA256>
                  <PartNumber>1</PartNumber>
                  <Size>5242880</Size>
                </Part>
                <Part>
                  <ChecksumSHA256>nh1gTX0XONjZrH5zJ45iR0F3WJ3TYgqh1O8+uSQ5SRs=</ChecksumSHA256>
                  <PartNumber>2</PartNumber>
                  <Size>5242880</Size>
                </Part>
                <PartsCount>3</PartsCount>
              </ObjectParts>
              <StorageClass>STANDARD</StorageClass>
              <ObjectSize>10737418</ObjectSize>
            </GetObjectAttributesResponse>
            """
        let result = try GetObjectAttributesResult(bytes: Array(sample.utf8))
        #expect(result.etag == "b7a9b8c3e8e0a1d5e3c9d0b6a7f1e2c3-3")
        #expect(result.checksum?.sha256 == "x+9CZ9FpNjrZ8ljoi7G3ez2kLsrSBwjT2sUsXSc4Fv4=")
        #expect(result.checksum?.type == "COMPOSITE")
        #expect(result.storageClass == "STANDARD")
        #expect(result.objectSize == 10_737_418)
        let parts = try #require(result.objectParts)
        #expect(parts.totalPartsCount == 3)
        #expect(parts.isTruncated && parts.maxParts == 2 && parts.partNumberMarker == 0 && parts.nextPartNumberMarker == 2)
        #expect(parts.parts.map(\.partNumber) == [1, 2])
        #expect(parts.parts.map(\.size) == [5_242_880, 5_242_880])
        #expect(parts.parts[1].checksum.sha256 == "nh1gTX0XONjZrH5zJ45iR0F3WJ3TYgqh1O8+uSQ5SRs=")
        #expect(result.serialized().contains("<PartsCount>3</PartsCount>"))
        try roundTrip(result)
        try roundTrip(GetObjectAttributesResult(etag: "e", storageClass: "STANDARD", objectSize: 0))
        try roundTrip(GetObjectAttributesResult())

        let bad = [
            "<GetObjectAttributesResponse><ObjectSize>6000000000000</ObjectSize></GetObjectAttributesResponse>",
            "<GetObjectAttributesResponse><ObjectSize>-1</ObjectSize></GetObjectAttributesResponse>",
            "<GetObjectAttributesResponse><ObjectParts><Part><PartNumber>10001</PartNumber></Part></ObjectParts></GetObjectAttributesResponse>",
            "<GetObjectAttributesResponse><ObjectParts><Part><Size>1</Size></Part></ObjectParts></GetObjectAttributesResponse>",
            "<GetObjectAttributesResponse><ObjectParts><PartsCount>20000</PartsCount></ObjectParts></GetObjectAttributesResponse>",
            "<GetObjectAttributesResponse><ObjectParts><MaxParts>x</MaxParts></ObjectParts></GetObjectAttributesResponse>",
        ]
        for text in bad {
            #expect(throws: DocumentError.self, "\(text)") { try GetObjectAttributesResult(bytes: Array(text.utf8)) }
        }
    }

    @Test func versionedDeleteObjectsSamples() throws {
        // The versioned samples of DeleteObjects in the S3 API reference.
        let request = try DeleteRequest(
            bytes: Array(
                """
                <Delete>
                  <Object>
                    <Key>SampleDocument.txt</Key>
                    <VersionId>OYcLXagmS.WaD..oyH4KRguB95_YhLs7</VersionId>
                  </Object>
                  <Object><Key>other.txt</Key></Object>
                </Delete>
                """.utf8))
        #expect(request.objects == [
            .init(key: "SampleDocument.txt", versionID: "OYcLXagmS.WaD..oyH4KRguB95_YhLs7"), .init(key: "other.txt"),
        ])
        #expect(request.keys == ["SampleDocument.txt", "other.txt"])
        #expect(!request.quiet)

        let markerMade = try DeleteResult(
            bytes: Array(
                """
                <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Deleted>
                    <Key>SampleDocument.txt</Key>
                    <DeleteMarker>true</DeleteMarker>
                    <DeleteMarkerVersionId>NeQt5xeFTfgPJD8B4CGWnkSLtluMr11s</DeleteMarkerVersionId>
                  </Deleted>
                </DeleteResult>
                """.utf8))
        #expect(markerMade.deletedObjects == [
            .init(key: "SampleDocument.txt", deleteMarker: true, deleteMarkerVersionID: "NeQt5xeFTfgPJD8B4CGWnkSLtluMr11s")
        ])
        #expect(markerMade.deleted == ["SampleDocument.txt"])

        let versionDeleted = try DeleteResult(
            bytes: Array(
                """
                <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Deleted>
                    <Key>SampleDocument.txt</Key>
                    <VersionId>OYcLXagmS.WaD..oyH4KRguB95_YhLs7</VersionId>
                  </Deleted>
                  <Error><Key>x</Key><VersionId>v9</VersionId><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
                </DeleteResult>
                """.utf8))
        #expect(versionDeleted.deletedObjects.first?.versionID == "OYcLXagmS.WaD..oyH4KRguB95_YhLs7")
        #expect(versionDeleted.deletedObjects.first?.deleteMarker == false)
        #expect(versionDeleted.errors == [.init(key: "x", versionID: "v9", code: "AccessDenied", message: "Access Denied")])

        try roundTrip(DeleteRequest(objects: [.init(key: "a", versionID: "v1"), .init(key: "b")], quiet: true))
        try roundTrip(
            DeleteResult(
                deletedObjects: [
                    .init(key: "a", versionID: "v1"), .init(key: "b", deleteMarker: true, deleteMarkerVersionID: "m1"),
                ], errors: [.init(key: "c", versionID: "v2", code: "NoSuchVersion", message: nil)]))
        // The key-only forms the server uses stay as they were.
        var keysOnly = DeleteRequest(keys: ["a"], quiet: false)
        keysOnly.keys.append("b")
        #expect(keysOnly.objects == [.init(key: "a"), .init(key: "b")])
        #expect(DeleteResult(deleted: ["a"], errors: []).serialized().contains("<Deleted><Key>a</Key></Deleted>"))
    }
}
