public import Foundation

/// The three time formats S3 uses, formatted and parsed without `DateFormatter` (which is neither
/// cheap nor safe to share across tasks).
///
/// Dates come from the wire, so parsing accepts only years 1 through 9999 (what the formats can
/// write) and never traps; formatting clamps any `Date` into that range for the same reason.
public enum HTTPDate {
    /// The years every parser accepts and every formatter writes.
    public static let years: ClosedRange<Int> = 1...9999

    /// `Tue, 27 Mar 2007 19:36:42 GMT` (RFC 7231 IMF-fixdate), the `Date` header.
    public static func rfc1123(_ date: Date) -> String {
        let t = Components(date)
        return "\(weekdays[t.weekday]), \(pad2(t.day)) \(months[t.month - 1]) \(pad4(t.year)) "
            + "\(pad2(t.hour)):\(pad2(t.minute)):\(pad2(t.second)) GMT"
    }

    /// `20130524T000000Z`, SigV4's `x-amz-date`.
    ///
    /// Written digit by digit into the string's own storage: a signed request formats it at
    /// least twice, and six padded interpolations each made strings of their own.
    public static func iso8601Basic(_ date: Date) -> String {
        let t = Components(date)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            var end = 0
            func digits(_ value: Int, _ count: Int) {
                var rest = value
                for index in stride(from: end + count - 1, through: end, by: -1) {
                    buffer[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                    rest /= 10
                }
                end += count
            }
            // Components keeps every field in range (years 1...9999), so each fits its width.
            digits(t.year, 4)
            digits(t.month, 2)
            digits(t.day, 2)
            buffer[end] = UInt8(ascii: "T")
            end += 1
            digits(t.hour, 2)
            digits(t.minute, 2)
            digits(t.second, 2)
            buffer[end] = UInt8(ascii: "Z")
            return end + 1
        }
    }

    /// `20130524`, the date part of a SigV4 credential scope.
    public static func yyyymmdd(_ date: Date) -> String {
        String(iso8601Basic(date).prefix(8))
    }

    /// `2009-10-12T17:50:30.000Z`, the form used inside S3's XML documents.
    public static func iso8601(_ date: Date) -> String {
        let t = Components(date)
        return "\(pad4(t.year))-\(pad2(t.month))-\(pad2(t.day))T\(pad2(t.hour)):\(pad2(t.minute)):"
            + "\(pad2(t.second)).\(pad3(t.millisecond))Z"
    }

    /// Parses `20130524T000000Z`.
    public static func parseISO8601Basic(_ string: String) -> Date? {
        let bytes = Array(string.utf8.prefix(17))
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = number(bytes[0..<4]), let month = number(bytes[4..<6]), let day = number(bytes[6..<8]),
            let hour = number(bytes[9..<11]), let minute = number(bytes[11..<13]),
            let second = number(bytes[13..<15])
        else { return nil }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses `2009-10-12T17:50:30.000Z` (fraction optional, at most nine digits).
    public static func parseISO8601(_ string: String) -> Date? {
        let bytes = Array(string.utf8.prefix(31))
        guard bytes.count >= 20, bytes.count <= 30, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[bytes.count - 1] == UInt8(ascii: "Z"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]),
            let second = number(bytes[17..<19])
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            // At most nine digits (the length check above), so the value fits any integer type.
            guard bytes[19] == UInt8(ascii: "."), let digits = number(bytes[20..<(bytes.count - 1)]) else { return nil }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        }
        return makeDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)?
            .addingTimeInterval(fraction)
    }

    /// Parses an RFC 1123 date (`Tue, 27 Mar 2007 19:36:42 GMT`, or `+0000`/`UTC` for the zone).
    public static func parseRFC1123(_ string: String) -> Date? {
        // The longest valid form is 29 bytes; anything much longer is not a date.
        guard string.utf8.count <= 40 else { return nil }
        let parts = string.split(separator: " ")
        guard parts.count == 6, parts[0].utf8.count == 4, parts[0].hasSuffix(","),
            let day = number(Array(parts[1].utf8)[...], maxDigits: 2),
            let monthIndex = months.firstIndex(of: String(parts[2])),
            let year = number(Array(parts[3].utf8)[...], maxDigits: 4),
            parts[5] == "GMT" || parts[5] == "+0000" || parts[5] == "UTC"
        else { return nil }
        let time = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard time.count == 3, let hour = number(Array(time[0].utf8)[...], maxDigits: 2),
            let minute = number(Array(time[1].utf8)[...], maxDigits: 2),
            let second = number(Array(time[2].utf8)[...], maxDigits: 2)
        else { return nil }
        return makeDate(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds from 1970 to 0001-01-01T00:00:00Z and to 9999-12-31T23:59:59Z.
    private static let earliest = Int64(daysFromCivil(year: 1, month: 1, day: 1)) * 86_400
    private static let latest = Int64(daysFromCivil(year: 9999, month: 12, day: 31)) * 86_400 + 86_399

    /// The calendar fields of a date in UTC, computed with integer arithmetic on a clamped value,
    /// so no `Date` (NaN, infinite, far future) can trap.
    private struct Components {
        var year, month, day, hour, minute, second, millisecond, weekday: Int

        init(_ date: Date) {
            let interval = date.timeIntervalSince1970
            let seconds: Int64
            // `…30.100` is held as `…30.0999…` (off by up to half the spacing of doubles there: 30 µs
            // near year 9999), so milliseconds are truncated only after allowing that spacing, or
            // 10 µs: truncating straight away would print `.099`. `interval - floor(interval)` is
            // exact, so nothing else is lost.
            if interval.isNaN {
                seconds = 0
                millisecond = 0
            } else if interval < Double(HTTPDate.earliest) {
                seconds = HTTPDate.earliest
                millisecond = 0
            } else if interval >= Double(HTTPDate.latest + 1) {
                seconds = HTTPDate.latest
                millisecond = 999
            } else {
                let whole = interval.rounded(.down)
                let slack = max(0.01, interval.ulp * 1000)
                let milliseconds = Int(((interval - whole) * 1000 + slack).rounded(.down))
                if milliseconds >= 1000 {
                    // Within 10 µs of the next second: that second, unless it is past the last.
                    let next = Int64(whole) + 1
                    seconds = min(next, HTTPDate.latest)
                    millisecond = next > HTTPDate.latest ? 999 : 0
                } else {
                    seconds = Int64(whole)
                    millisecond = milliseconds
                }
            }
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let secondOfDay = Int(seconds - days * 86_400)
            (year, month, day) = HTTPDate.civilFromDays(Int(days))
            hour = secondOfDay / 3600
            minute = secondOfDay % 3600 / 60
            second = secondOfDay % 60
            // 1970-01-01 was a Thursday.
            weekday = Int(((days % 7) + 11) % 7)
        }
    }

    private static func makeDate(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Date? {
        guard years.contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        // A leap second on the last day would step past the last representable year.
        guard seconds <= latest else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), for
    /// years within ``years``.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The decimal value of `bytes`, all digits, at most `maxDigits` of them (so it cannot overflow).
    private static func number(_ bytes: ArraySlice<UInt8>, maxDigits: Int = 9) -> Int? {
        guard !bytes.isEmpty, bytes.count <= maxDigits else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private static func pad3(_ value: Int) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }
    private static func pad4(_ value: Int) -> String { String(repeating: "0", count: max(0, 4 - String(value).count)) + String(value) }
}
