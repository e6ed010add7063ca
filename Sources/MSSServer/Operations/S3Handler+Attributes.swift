import Foundation
import HTTPTypes
import Hummingbird
import S3Protocol

extension S3Handler {
    /// The attributes GetObjectAttributes can be asked for, by their names in
    /// `x-amz-object-attributes`.
    private static let objectAttributeNames: Set<String> = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]

    /// GetObjectAttributes (`GET /bucket/key?attributes`): what HEAD tells, as a document, with
    /// only the attributes the request names.
    func objectAttributes(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let names = (request.header("x-amz-object-attributes") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            throw S3ServerError.invalidArgument("x-amz-object-attributes must name at least one attribute.")
        }
        guard names.allSatisfy(Self.objectAttributeNames.contains) else {
            throw S3ServerError.invalidArgument("Invalid attribute name specified.")
        }
        let wanted = Set(names)
        let (object, versioned) = try await readableObject(bucket: bucket, key: key, versionID: try Self.versionIDParameter(request))
        // As for HEAD: an SSE-C object's attributes need its key.
        _ = try await dataKey(for: object.encryption, request: request)
        var result = GetObjectAttributesResult()
        if wanted.contains("ETag") { result.etag = object.etag }
        if wanted.contains("ObjectSize") { result.objectSize = object.size }
        if wanted.contains("StorageClass") { result.storageClass = "STANDARD" }
        if wanted.contains("Checksum"), !object.checksums.isEmpty {
            result.checksum = GetObjectAttributesResult.Checksum(
                crc32: object.checksums["crc32"], crc32c: object.checksums["crc32c"], sha256: object.checksums["sha256"],
                type: "FULL_OBJECT")
        }
        // Part sizes are not kept once an upload completes; the count is in the ETag, which S3
        // also answers with when the upload carried no checksums.
        if wanted.contains("ObjectParts"), let count = Self.partCount(etag: object.etag) {
            result.objectParts = GetObjectAttributesResult.ObjectParts(totalPartsCount: count)
        }
        var response = ServerResponse.xml(result)
        response.headers[.lastModified] = HTTPDate.rfc1123(object.lastModified)
        if versioned { response.headers[.amzVersionID] = object.versionIDText }
        return response
    }

    /// The part count of a multipart ETag (`hex-N`), nil for a single-part object.
    static func partCount(etag: String) -> Int? {
        guard let dash = etag.lastIndex(of: "-") else { return nil }
        guard let count = S3Limits.decimal(etag[etag.index(after: dash)...]), S3Limits.partNumbers.contains(Int(count)) else { return nil }
        return Int(count)
    }
}
