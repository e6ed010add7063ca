/// S3's own limits, used to bound every number read from a document or a response: a value
/// outside them cannot be right, and refusing it keeps later arithmetic from overflowing.
public enum S3Limits {
    /// The largest object S3 stores: 5 TiB.
    public static let maximumObjectSize: Int64 = 5 << 40
    /// The largest single PUT, part or single-request copy: 5 GiB.
    public static let maximumPutSize: Int64 = 5 << 30
    /// The smallest part of a multipart upload, the last part excepted: 5 MiB.
    public static let minimumPartSize: Int64 = 5 << 20
    /// Part numbers of a multipart upload.
    public static let partNumbers: ClosedRange<Int> = 1...10_000
    /// The most parts one upload has.
    public static let maximumParts = Int64(partNumbers.upperBound)
    /// Counts a listing may carry (max-keys, key counts, max-parts): S3 answers at most 1,000, but
    /// other services echo what they were asked, so anything a 32-bit count holds is accepted.
    public static let counts: ClosedRange<Int> = 0...Int(Int32.max)

    /// Parses a decimal byte count in `0...maximumObjectSize`; nil for anything else (signs,
    /// spaces, overflow, negative numbers).
    @inlinable
    public static func size(_ text: some StringProtocol) -> Int64? {
        guard let value = decimal(text), value <= maximumObjectSize else { return nil }
        return value
    }

    /// Parses plain decimal digits into a non-negative number; nil for anything else. At most 18
    /// significant digits are taken, so the arithmetic cannot overflow.
    ///
    /// Inlinable so that callers get it specialised for their string type: every listing entry
    /// and response length goes through it, and the generic form walked the bytes through
    /// witness tables.
    @inlinable
    public static func decimal(_ text: some StringProtocol) -> Int64? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 18 else { return nil }
        return significant.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }
}
