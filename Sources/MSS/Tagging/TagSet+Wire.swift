import NIOCore
import S3Protocol

extension TagSet {
    init(_ document: Tagging) {
        self.init(document.tagSet)
    }

    /// The `Tagging` document of PutObjectTagging and PutBucketTagging.
    var document: Tagging {
        Tagging(tagSet: tags)
    }

    /// The `x-amz-tagging` header value: the tags as a URL query.
    var headerValue: String {
        TagRules.headerValue(tags)
    }
}

extension S3Request {
    /// Makes `document` the body of a configuration PUT, with the Content-MD5 S3 requires of
    /// them (PutBucketCors and PutBucketTagging refuse a body without it).
    mutating func setDocument<Document: S3Document>(_ document: Document) {
        let body = Array(document.serialized().utf8)
        headers.replace("Content-Type", "application/xml")
        headers.replace("Content-MD5", Digests.md5Base64(body))
        self.body = .bytes(ByteBuffer(bytes: body))
    }
}
