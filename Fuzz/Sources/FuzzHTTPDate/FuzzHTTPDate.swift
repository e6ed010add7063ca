// The three HTTPDate parsers on any string: `Date`, `If-Modified-Since`, `Last-Modified` and
// `x-amz-date` all reach them before any key is checked, so they must never trap.
//
// Property: a date a parser accepts formats back to a string the same parser reads as the same
// instant (the formats carry whole seconds; the XML form carries milliseconds, so there the
// canonical string must be a fixed point and the instant may only lose the sub-millisecond part).
//
// The formatters clamp to 9999-12-31T23:59:59.999Z and the parsers refuse anything later (a leap
// second `:60` on the last day included), so the round trips are checked up to that instant.
import Foundation
import S3Protocol

/// HTTPDate formats what it parses without losing a millisecond to floating point (this target
/// found `…30.100Z` coming back as `…30.099Z`); the weaker check below (under 1.1 ms lost) runs too.
let canonicalMillisecondsSurvive = true

/// 9999-12-31T23:59:59Z, the latest instant the formatters write.
let latest = Date(timeIntervalSince1970: 253_402_300_799)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    if let date = HTTPDate.parseRFC1123(text), date <= latest {
        let formatted = HTTPDate.rfc1123(date)
        precondition(HTTPDate.parseRFC1123(formatted) == date, "rfc1123 round trip: \(text) -> \(formatted)")
        // The other whole-second format takes any date this parser produces.
        precondition(HTTPDate.parseISO8601Basic(HTTPDate.iso8601Basic(date)) == date, "basic form of \(text)")
    }
    if let date = HTTPDate.parseISO8601Basic(text), date <= latest {
        let formatted = HTTPDate.iso8601Basic(date)
        precondition(HTTPDate.parseISO8601Basic(formatted) == date, "iso8601Basic round trip: \(text) -> \(formatted)")
        precondition(formatted.utf8.count == 16 && HTTPDate.yyyymmdd(date) == String(formatted.prefix(8)))
    }
    if let date = HTTPDate.parseISO8601(text), date < latest {
        let formatted = HTTPDate.iso8601(date)
        guard let reparsed = HTTPDate.parseISO8601(formatted) else { preconditionFailure("iso8601 unreadable: \(text) -> \(formatted)") }
        if canonicalMillisecondsSurvive {
            precondition(HTTPDate.iso8601(reparsed) == formatted, "iso8601 not a fixed point: \(text) -> \(formatted)")
            // Text already in the canonical form (three fraction digits) must come back unchanged.
            // A leap second (`:60`) is read as the next minute's first, so it cannot come back.
            precondition(text.utf8.count != 24 || text.contains(":60.") || formatted == text, "iso8601 round trip: \(text) -> \(formatted)")
        }
        let lost = date.timeIntervalSince(reparsed)
        precondition(lost > -0.000_1 && lost < 0.001_1, "iso8601 lost \(lost) s: \(text) -> \(formatted)")
    }
    return 0
}
