import Foundation
import S3Protocol

/// Sizes, rates, durations and dates as people read them.
enum HumanFormat {
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }

    static func rate(_ bytesPerSecond: Double) -> String {
        size(Int64(bytesPerSecond.isFinite ? bytesPerSecond : 0)) + "/s"
    }

    static func duration(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m"
    }

    /// Local time, minutes: `2026-11-25 15:04`. Format styles are values that Foundation backs
    /// with cached formatters, so a listing of many keys does not build one per line.
    static func date(_ date: Date?) -> String {
        guard let date else { return "                " }
        return date.formatted(minutes)
    }

    private static let minutes = Date.VerbatimFormatStyle(
        format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
        timeZone: .current, calendar: Calendar(identifier: .gregorian))

    /// `2026-11-25T15:04:05Z`, as `Date.ISO8601FormatStyle` writes it, from S3Protocol's
    /// formatter without its milliseconds: a JSON listing formats a date a line, and the format
    /// style cost more than the rest of the line.
    static func iso8601(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        // Years 1600...9999: the Gregorian calendar throughout. Earlier dates Foundation writes in
        // the Julian calendar, and the format style handles them (and the absurd) itself.
        guard interval.isFinite, interval >= -11_676_096_000, interval < 253_402_300_800 else { return date.formatted(.iso8601) }
        return String(HTTPDate.iso8601(date).prefix(19)) + "Z"
    }
}
