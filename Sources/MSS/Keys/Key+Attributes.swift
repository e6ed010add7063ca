import NIOCore
import S3Protocol
import NIOHTTP1

extension Key {
    /// The largest `x-amz-max-parts` S3 accepts: one page of ListParts.
    public static let maximumAttributeParts = 1_000

    /// A thousand parts with every checksum take under 400 KB; a server that ignores `?attributes`
    /// and sends the object itself is stopped here instead of being read into memory.
    static let maximumAttributesDocument = 1 << 20

    /// A 200 answer that is not a GetObjectAttributes document: most likely a server without the
    /// operation that took the request for a GET of the object (Ceph RGW 16 does).
    private static func notTheDocument(_ problem: String) -> MSSClientError {
        MSSClientError(
            .invalidResponse,
            "the server did not answer GetObjectAttributes with its document (\(problem)); servers without the operation send the object instead")
    }

    /// Selected attributes of the object (GetObjectAttributes, `GET ?attributes`) without reading
    /// it: its ETag, checksums, parts, storage class and size, as chosen by `names`.
    ///
    /// Unlike ``info(versionID:conditions:customerKey:)`` this tells how a multipart object was assembled (its
    /// part count, and part sizes and checksums where the server keeps them). Servers without the
    /// operation throw: an ``S3Error`` such as 501 `NotImplemented` from those that refuse it, an
    /// ``MSSClientError`` `invalidResponse` from those that answer with something other than the
    /// document (Ceph RGW 16 ignores `?attributes` and sends the object; at most 1 MiB of it is read).
    ///
    /// - Parameters:
    ///   - names: the attributes to return; at least one.
    ///   - versionID: a version other than the current one.
    ///   - maxParts: at most this many parts in ``ObjectAttributes/objectParts`` (1 to 1,000).
    ///   - partNumberMarker: list the parts after this part number, to page through them.
    ///   - customerKey: the SSE-C key of an object stored with one (S3 answers 400 without it).
    public func attributes(
        _ names: Set<ObjectAttribute>, versionID: String? = nil, maxParts: Int? = nil, partNumberMarker: Int? = nil,
        customerKey: CustomerKey? = nil
    ) async throws -> ObjectAttributes {
        guard !names.isEmpty else { throw MSSClientError.invalidArgument("name at least one object attribute") }
        var request = try request("GET", query: [QueryItem("attributes")], versionID: versionID)
        // In a fixed order, so the same call signs the same headers every time.
        let list = ObjectAttribute.allCases.filter(names.contains).map(\.rawValue)
        request.headers.add("x-amz-object-attributes", list.joined(separator: ","))
        customerKey?.addHeaders(to: &request.headers)
        if let maxParts {
            guard (1...Self.maximumAttributeParts).contains(maxParts) else {
                throw MSSClientError.invalidArgument("maxParts \(maxParts) is outside 1...\(Self.maximumAttributeParts)")
            }
            request.headers.add("x-amz-max-parts", String(maxParts))
        }
        if let partNumberMarker {
            guard (0...MultipartUpload.partNumbers.upperBound).contains(partNumberMarker) else {
                throw MSSClientError.invalidArgument("partNumberMarker \(partNumberMarker) is outside 0...10000")
            }
            request.headers.add("x-amz-part-number-marker", String(partNumberMarker))
        }
        let response: S3Response
        do {
            response = try await connection.send(request, limit: Self.maximumAttributesDocument)
        } catch is NIOTooManyBytesError {
            throw Self.notTheDocument("more than \(Self.maximumAttributesDocument) bytes")
        }
        let document: GetObjectAttributesResult
        do {
            document = try GetObjectAttributesResult(bytes: response.bodyBytes)
        } catch {
            throw Self.notTheDocument("\(error)")
        }
        let headers = response.headers
        return ObjectAttributes(
            key: name, etag: document.etag.map(ObjectInfo.unquoted), checksum: document.checksum,
            objectParts: document.objectParts, storageClass: document.storageClass, size: document.objectSize,
            lastModified: headers.first(name: "Last-Modified").flatMap(HTTPDate.parseRFC1123),
            versionID: headers.first(name: "x-amz-version-id"),
            isDeleteMarker: headers.first(name: "x-amz-delete-marker")?.lowercased() == "true")
    }
}
