import Foundation
import S3Protocol
import Testing

/// S3's own published SigV4 and SigV2 examples, and the signer constants of botocore and boto 2.
@Suite struct S3SigningDocsTests {
    static func cases(_ file: String) -> [[String: Any]] {
        ((try? Fixtures.json(file))?["cases"] as? [[String: Any]]) ?? []
    }

    // MARK: SigV4

    @Test func s3SigV4Examples() throws {
        let document = try Fixtures.json("s3_sigv4_aws_docs.json")
        let credentials = Credentials(
            accessKey: try field(document, "access_key"), secretKey: try field(document, "secret_key"))
        let date = try #require(HTTPDate.parseISO8601Basic(try field(document, "amz_date")))
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let cases = try #require(document["cases"] as? [[String: Any]])
        #expect(cases.count == 6)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let pairs = item["query"] as? [[String] ] ?? []
            let query = pairs.map { QueryItem($0[0], $0.count > 1 ? $0[1] : nil) }
            var headers = SignableHeaders()
            for (key, value) in (item["headers"] as? [String: String] ?? [:]).sorted(by: { $0.key < $1.key }) {
                headers.add(key, value)
            }
            let request = SignableRequest(
                method: try field(item, "method"), path: try field(item, "path"),
                query: query, headers: headers)
            let payload = try field(item, "payload_sha256")
            if let body = item["body"] as? String {
                #expect(Digests.sha256Hex(Data(body.utf8)) == payload, "\(name)")
            }
            let signedHeaders = (try field(item, "signed_headers")).split(separator: ";").map(String.init)
            #expect(SigV4Signer.headersToSign(headers) == signedHeaders, "\(name)")
            let canonical = signer.canonicalRequest(request, signedHeaders: signedHeaders, payloadHash: payload)
            #expect(canonical == item["canonical_request"] as? String, "\(name)")
            let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: date)
            #expect(stringToSign == item["string_to_sign"] as? String, "\(name)")
            let signature = signer.signature(stringToSign: stringToSign, date: date)
            #expect(signature == item["expected_signature"] as? String, "\(name)")
            if let authorization = item["authorization"] as? String {
                var signed = request
                signer.sign(&signed, payloadHash: payload, date: date)
                // The docs print the value without the spaces after commas that the suite uses.
                let ours = signed.headers["Authorization"]?.replacingOccurrences(of: ", ", with: ",")
                #expect(ours == authorization.replacingOccurrences(of: ", ", with: ","), "\(name)")
            }
            if let url = item["url"] as? String {
                // Our presigner must produce the published URL from the bare request.
                var bare = request
                bare.query = []
                let expires = try #require(item["expires"] as? Int)
                let presigned = signer.presignedQuery(bare, expires: expires, date: date)
                let host = try #require(headers["host"])
                #expect("https://\(host)\(request.path)?\(QueryItem.render(presigned))" == url, "\(name)")
            }
            if let chunks = item["chunks"] as? [[String: Any]] {
                var previous = signature
                for chunk in chunks {
                    let size = try #require(chunk["size"] as? Int)
                    let hash = Digests.sha256Hex(Data(repeating: UInt8(ascii: "a"), count: size))
                    let chunkSignature = signer.chunkSignature(chunkSHA256Hex: hash, previousSignature: previous, date: date)
                    #expect(chunkSignature == chunk["expected_signature"] as? String, "\(name) chunk of \(size)")
                    previous = chunkSignature
                }
                #expect(chunks.count == 3)
            }
        }
    }

    @Test func sdkSigV4PresignConstants() throws {
        let cases = Self.cases("sdk_unit_test_vectors.json").filter { $0["kind"] as? String == "sigv4-presign" }
        #expect(cases.count == 3)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let pairs = try #require(item["query"] as? [[String]])
            let query = pairs.map { QueryItem($0[0], $0[1]) }
            let credential = try #require(query.value(for: "X-Amz-Credential")).split(separator: "/")
            let amzDate = try #require(query.value(for: "X-Amz-Date"))
            let date = try #require(HTTPDate.parseISO8601Basic(amzDate))
            let signer = SigV4Signer(
                credentials: Credentials(
                    accessKey: try field(item, "access_key"), secretKey: try field(item, "secret_key")),
                region: String(credential[2]), service: String(credential[3]))
            var headers = SignableHeaders()
            headers.add("host", try field(item, "host"))
            let request = SignableRequest(method: "GET", path: try field(item, "path"), headers: headers)
            let payload = try field(item, "payload_sha256")
            let expires = Int(try #require(query.value(for: "X-Amz-Expires"))) ?? 0
            let presigned = signer.presignedQuery(request, expires: expires, date: date, payloadHash: payload)
            #expect(Array(presigned.dropLast()) == query, "\(name)")
            #expect(presigned.last?.value == item["expected_signature"] as? String, "\(name)")
            var withQuery = request
            withQuery.query = query
            #expect(
                signer.canonicalRequest(withQuery, signedHeaders: ["host"], payloadHash: payload)
                    == item["canonical_request"] as? String, "\(name)")
        }
    }

    // MARK: SigV2

    /// The bucket a doc example addresses, from its Host: virtual-host, path-style or CNAME.
    static func resourcePath(host: String, path: String) -> String {
        let name = host.split(separator: ":").first.map(String.init) ?? host
        guard name.hasSuffix(".amazonaws.com") else { return "/" + name + path }  // CNAME: the host is the bucket
        let first = name.split(separator: ".").first.map(String.init) ?? ""
        return first.hasPrefix("s3") ? path : "/" + first + path
    }

    @Test func s3SigV2Examples() throws {
        let document = try Fixtures.json("s3_sigv2_aws_docs.json")
        let signer = SigV2Signer(
            credentials: Credentials(
                accessKey: try field(document, "access_key"), secretKey: try field(document, "secret_key")))
        let cases = try #require(document["cases"] as? [[String: Any]])
        #expect(cases.count == 17)
        var checkedCanonical = 0
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let expectedStringToSign = try field(item, "string_to_sign")
            let verified = item["verified"] as? Bool ?? false
            // The HMAC itself: the published signature where it is right, else the file's recomputed one.
            let wanted = verified ? item["expected_signature"] as? String : item["computed_signature"] as? String
            #expect(signer.signature(stringToSign: expectedStringToSign) == wanted, "\(name)")

            // Canonicalisation from the raw request.
            let raw = try RawRequest(try field(item, "request"))
            let host = raw.headers["host"] ?? ""
            let resource = Self.resourcePath(host: host, path: raw.path)
            let expires = raw.query.value(for: "Expires")
            var ours = signer.stringToSign(
                method: raw.method, headers: raw.headers,
                dateOrExpires: expires ?? (raw.headers["x-amz-date"] == nil ? raw.headers["date"] ?? "" : ""),
                resourcePath: resource, query: raw.query)
            if name == "delete-with-x-amz-date" {
                // The doc's printed string puts x-amz-date in the Date slot; the rule it states (and
                // botocore, boto 2 and RGW) list it as an x-amz header instead, as the note records.
                let note = try field(item, "note")
                #expect(ours.hasPrefix("DELETE\n\n\n\nx-amz-date:"), "\(name)")
                if let arrow = note.range(of: "-> ") {
                    let recomputed = note[arrow.upperBound...].prefix { $0 != " " }
                    #expect(signer.signature(stringToSign: ours) == String(recomputed))
                }
                ours = expectedStringToSign
            }
            if !verified, (item["note"] as? String)?.hasPrefix("ILLUSTRATIVE") == true {
                // Marked by the data as not a usable vector: its request has no Host to derive the bucket from.
                continue
            }
            #expect(ours == expectedStringToSign, "\(name)")
            checkedCanonical += 1
        }
        #expect(checkedCanonical == 16)
    }

    @Test func sdkSigV2Constants() throws {
        let cases = Self.cases("sdk_unit_test_vectors.json").filter { $0["kind"] as? String == "sigv2" }
        #expect(cases.count == 6)
        for item in cases {
            let signer = SigV2Signer(
                credentials: Credentials(
                    accessKey: try field(item, "access_key"), secretKey: try field(item, "secret_key")))
            let stringToSign = try field(item, "string_to_sign")
            #expect(signer.signature(stringToSign: stringToSign) == item["expected_signature"] as? String, "\(item["name"] ?? "")")
        }
    }

    /// botocore's TestHMACV1.test_put and test_duplicate_headers, rebuilt from headers.
    @Test func sigV2CanonicalisesAmzHeaders() {
        let signer = SigV2Signer(
            credentials: Credentials(accessKey: "44CF9590006BF252F707", secretKey: "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV"))
        var headers = SignableHeaders()
        headers.add("Content-MD5", "c8fdb181845a4ca6b8fec737b3581d76")
        headers.add("Content-Type", "text/html")
        headers.add("X-Amz-Magic", "abracadabra")
        headers.add("X-Amz-Meta-Author", "bar@baz.com")
        headers.add("X-Amz-Meta-Author", "foo@bar.com")
        let sts = signer.stringToSign(
            method: "PUT", headers: headers, dateOrExpires: "Thu, 17 Nov 2005 18:49:58 GMT", resourcePath: "/quotes/nelson",
            query: [])
        #expect(
            sts
                == "PUT\nc8fdb181845a4ca6b8fec737b3581d76\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-amz-magic:abracadabra\nx-amz-meta-author:bar@baz.com,foo@bar.com\n/quotes/nelson"
        )
        #expect(signer.signature(stringToSign: sts) == "kIdMxyiYB+F+83zYGR6sSb3ICcE=")
        let uploads = signer.stringToSign(
            method: "PUT", headers: SignableHeaders(), dateOrExpires: "Thu, 17 Nov 2005 18:49:58 GMT",
            resourcePath: "/quotes/nelson", query: [QueryItem("uploads")])
        #expect(signer.signature(stringToSign: uploads) == "P7pBz3Z4p3GxysRSJ/gR8nk7D4o=")
    }

    /// botocore's presign with an x-amz header and a session token (TestS3SigV2Presign).
    @Test func sigV2PresignWithToken() {
        let signer = SigV2Signer(credentials: Credentials(accessKey: "access_key", secretKey: "secret_key", sessionToken: "foo"))
        var headers = SignableHeaders()
        headers.add("x-amz-acl", "read-only")
        let request = SignableRequest(method: "GET", path: "/mybucket/myobject", headers: headers)
        let query = signer.presignedQuery(request, expires: 1_427_430_247)
        #expect(query.value(for: "Signature") == "5oyMAGiUk1E5Ry2BnFr6cIS3Gus=")
        #expect(query.value(for: "x-amz-security-token") == "foo")
        #expect(query.value(for: "AWSAccessKeyId") == "access_key")
        #expect(query.value(for: "Expires") == "1427430247")
    }
}
