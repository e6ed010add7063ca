/// Percent-encoding exactly as AWS specifies it for signing: every byte outside the RFC 3986
/// unreserved set (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` with upper-case hex.
///
/// Both the client (building URLs and canonical requests) and the server (rebuilding them to verify
/// a signature) go through this one implementation, so they cannot drift apart.
public enum URIEncoding {
    /// Encodes `string`; `/` is kept as is when `keepSlash` is true (object paths), encoded otherwise
    /// (query names and values).
    public static func encode(_ string: String, keepSlash: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` sequences. A `+` stays a `+`: S3 signs the bytes, not form encoding.
    /// Returns nil when a `%` is not followed by two hex digits or the result is not UTF-8.
    public static func decode(_ string: String) -> String? {
        decode(string, plusIsSpace: false)
    }

    /// Decodes a key, prefix or marker of a listing asked for with `encoding-type=url`: `%XX`
    /// sequences, and `+` for a space, as S3 form-encodes spaces there. Nil as for
    /// ``decode(_:)``. A value with neither is returned as it is: most keys, in a listing
    /// decoded a thousand keys a page.
    public static func decodeListingValue(_ string: String) -> String? {
        decode(string, plusIsSpace: true)
    }

    private static func decode(_ string: String, plusIsSpace: Bool) -> String? {
        let plus = plusIsSpace ? UInt8(ascii: "+") : UInt8(ascii: "%")
        guard string.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == plus }) else { return string }
        var out = [UInt8]()
        out.reserveCapacity(string.utf8.count)
        var iterator = string.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == plus, plusIsSpace {
                out.append(UInt8(ascii: " "))
                continue
            }
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue)
            else { return nil }
            out.append(high << 4 | low)
        }
        return String(validating: out, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
