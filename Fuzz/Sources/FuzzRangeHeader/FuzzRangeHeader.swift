// `Range` and `x-amz-copy-source-range` against an object size: anonymous requests on a public
// object reach `RangeHeader.resolve`, so no header/size pair may trap (the bug this guards
// against was `min(end + 1, size)` overflowing on `bytes=0-9223372036854775807`).
//
// Input: 8 bytes of object size (any Int64, negative too), then the header text.
// Property: every range handed back lies inside the object and is non-empty, so the server
// can seek and read it without another check.
import S3Protocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var objectSize: Int64 = 0
    for byte in bytes.prefix(8) { objectSize = objectSize << 8 | Int64(byte) }
    let header = String(decoding: bytes.dropFirst(8), as: UTF8.self)

    switch RangeHeader.resolve(header, size: objectSize) {
    case .partial(let range):
        precondition(range.lowerBound >= 0 && range.lowerBound < range.upperBound && range.upperBound <= objectSize,
            "resolve(\(header), size: \(objectSize)) = \(range)")
    case .unsatisfiable, .whole:
        break
    }
    if let range = RangeHeader.resolveCopySourceRange(header, size: objectSize) {
        precondition(range.lowerBound >= 0 && range.lowerBound < range.upperBound && range.upperBound <= objectSize,
            "resolveCopySourceRange(\(header), size: \(objectSize)) = \(range)")
    }
    return 0
}
