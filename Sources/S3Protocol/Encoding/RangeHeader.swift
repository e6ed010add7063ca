/// The `Range` and `x-amz-copy-source-range` headers, resolved against an object's size.
///
/// Numbers in these headers come from the wire and may have any number of digits: they are read
/// without overflow (a value past `Int64.max` counts as "past the end"), and the bounds are worked
/// out without `end + 1` overflowing.
public enum RangeHeader {
    /// What a `Range` header asks of an object of a given size.
    public enum Resolution: Sendable, Hashable {
        /// No range, or one S3 ignores (several ranges, another unit, odd syntax): the whole object.
        case whole
        /// These bytes, answered 206 with `Content-Range`.
        case partial(Range<Int64>)
        /// Answered 416 InvalidRange.
        case unsatisfiable
    }

    /// Resolves a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) as S3 does.
    public static func resolve(_ header: String, size: Int64) -> Resolution {
        guard let (first, last) = split(header) else { return .whole }
        let size = max(0, size)
        if first.isEmpty {
            guard let count = number(last) else { return .whole }
            guard count > 0, size > 0 else { return .unsatisfiable }
            return .partial((count >= size ? 0 : size - count)..<size)
        }
        guard let start = number(first) else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(start..<size) }
        guard let end = number(last) else { return .whole }
        guard end >= start else { return .whole }
        return .partial(start..<(end >= size ? size : end + 1))
    }

    /// Resolves `x-amz-copy-source-range`, which must be `bytes=first-last` within the source;
    /// nil when it is not.
    public static func resolveCopySourceRange(_ header: String, size: Int64) -> Range<Int64>? {
        guard let (first, last) = split(header), let start = number(first), let end = number(last), start <= end,
            end < size
        else { return nil }
        return start..<(end + 1)
    }

    /// `bytes=FIRST-LAST` split at the dash, or nil for anything else.
    private static func split(_ header: String) -> (Substring, Substring)? {
        guard header.utf8.count <= 256, header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst(6).drop { $0 == " " }
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash]
        var last = spec[spec.index(after: dash)...]
        while last.last == " " { last = last.dropLast() }
        return (first, last)
    }

    /// A decimal number of digits only; `Int64.max` when it has more digits than fit, nil when it
    /// is empty or holds anything but digits (`+`, `-`, spaces).
    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                value = .max
            } else {
                value = sum
            }
        }
        return value
    }
}
