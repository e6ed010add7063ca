#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The three time formats S3 uses, formatted and parsed without `DateFormatter` (which is neither
/// cheap nor safe to share across tasks).
public enum HTTPDate {
    /// `Tue, 27 Mar 2007 19:36:42 GMT` (RFC 7231 IMF-fixdate), the `Date` header.
    public static func rfc1123(_ date: Date) -> String {
        let t = components(date)
        return "\(weekdays[t.weekday]), \(pad2(t.day)) \(months[t.month - 1]) \(t.year) "
            + "\(pad2(t.hour)):\(pad2(t.minute)):\(pad2(t.second)) GMT"
    }

    /// `20130524T000000Z`, SigV4's `x-amz-date`.
    public static func iso8601Basic(_ date: Date) -> String {
        let t = components(date)
        return "\(t.year)\(pad2(t.month))\(pad2(t.day))T\(pad2(t.hour))\(pad2(t.minute))\(pad2(t.second))Z"
    }

    /// `20130524`, the date part of a SigV4 credential scope.
    public static func yyyymmdd(_ date: Date) -> String {
        String(iso8601Basic(date).prefix(8))
    }

    /// `2009-10-12T17:50:30.000Z`, the form used inside S3's XML documents.
    public static func iso8601(_ date: Date) -> String {
        let t = components(date)
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return "\(t.year)-\(pad2(t.month))-\(pad2(t.day))T\(pad2(t.hour)):\(pad2(t.minute)):"
            + "\(pad2(t.second)).\(pad3(max(0, millis)))Z"
    }

    /// Parses `20130524T000000Z`.
    public static func parseISO8601Basic(_ string: String) -> Date? {
        let bytes = Array(string.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = number(bytes[0..<4]), let month = number(bytes[4..<6]), let day = number(bytes[6..<8]),
            let hour = number(bytes[9..<11]), let minute = number(bytes[11..<13]),
            let second = number(bytes[13..<15])
        else { return nil }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses `2009-10-12T17:50:30.000Z` (fraction optional).
    public static func parseISO8601(_ string: String) -> Date? {
        let bytes = Array(string.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes.last == UInt8(ascii: "Z"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
            let second = number(bytes[17..<19])
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), let digits = number(bytes[20..<(bytes.count - 1)]) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)?
            .addingTimeInterval(fraction)
    }

    /// Parses an RFC 1123 date (`Tue, 27 Mar 2007 19:36:42 GMT` or `+0000`).
    public static func parseRFC1123(_ string: String) -> Date? {
        let parts = string.split(separator: " ")
        guard parts.count == 6, let day = Int(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = Int(parts[3]), parts[5] == "GMT" || parts[5] == "+0000" || parts[5] == "UTC"
        else { return nil }
        let time = parts[4].split(separator: ":")
        guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2])
        else { return nil }
        return makeDate(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private struct Components {
        var year, month, day, hour, minute, second, weekday: Int
    }

    private static func components(_ date: Date) -> Components {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var tm = tm()
        gmtime_r(&seconds, &tm)
        return Components(
            year: Int(tm.tm_year) + 1900, month: Int(tm.tm_mon) + 1, day: Int(tm.tm_mday),
            hour: Int(tm.tm_hour), minute: Int(tm.tm_min), second: Int(tm.tm_sec), weekday: Int(tm.tm_wday))
    }

    private static func makeDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var tm = tm()
        tm.tm_year = Int32(year - 1900)
        tm.tm_mon = Int32(month - 1)
        tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hour)
        tm.tm_min = Int32(minute)
        tm.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&tm)))
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func pad3(_ value: Int) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }
}
