// The XML parser and every S3 document decoder on any bytes: the server reads request bodies
// (CompleteMultipartUpload, Delete, CreateBucketConfiguration) and the SDK reads every response
// body with them, so neither a hostile client nor a hostile endpoint may make them trap.
//
// Properties: a parsed tree serialises to text that parses back to the same tree; a document any
// decoder accepts serialises to a document that the same decoder accepts again and that
// serialises identically (whatever one side writes, the other side can read).
import S3Protocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let root = try? XML.parse(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    let text = root.serialized()
    precondition((try? XML.parse(text)) == root, "tree does not survive serialising: \(text)")

    // Each decoder on the root as it is, whatever its name (the name check is the only thing
    // `init(bytes:)` adds), so one input exercises them all.
    roundTrip(ListBucketResult.self, root)
    roundTrip(ListAllMyBucketsResult.self, root)
    roundTrip(InitiateMultipartUploadResult.self, root)
    roundTrip(CompleteMultipartUpload.self, root)
    roundTrip(CompleteMultipartUploadResult.self, root)
    roundTrip(ListPartsResult.self, root)
    roundTrip(ListMultipartUploadsResult.self, root)
    roundTrip(DeleteRequest.self, root)
    roundTrip(DeleteResult.self, root)
    roundTrip(CreateBucketConfiguration.self, root)
    roundTrip(LocationConstraint.self, root)
    roundTrip(ErrorDocument.self, root)
    roundTrip(CopyObjectResult.self, root)
    roundTrip(CopyPartResult.self, root)
    roundTrip(LifecycleConfiguration.self, root)
    return 0
}

func roundTrip<Document: S3Document>(_ type: Document.Type, _ root: XML.Element) {
    guard let document = try? Document(xml: root) else { return }
    let text = document.serialized()
    let again: Document
    do {
        again = try Document(bytes: Array(text.utf8))
    } catch {
        preconditionFailure("\(Document.self) cannot read what it wrote (\(error)): \(text)")
    }
    precondition(again.serialized() == text, "\(Document.self) is not stable: \(text) -> \(again.serialized())")
}
