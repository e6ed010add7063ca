import Foundation

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

    /// `2026-11-25T15:04:05Z`, as `Date.ISO8601FormatStyle` writes it, computed from the seconds
    /// (the civil-from-days algorithm): a JSON listing formats a date a line, and the format style
    /// cost more than the rest of the line.
    static func iso8601(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        // Years 1600...9999: the Gregorian calendar throughout. Earlier dates Foundation writes in
        // the Julian calendar, and the format style handles them (and the absurd) itself.
        guard interval.isFinite, interval >= -11_676_096_000, interval < 253_402_300_800 else { return date.formatted(.iso8601) }
        let seconds = Int64(interval.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + two(month) + "-" + two(day) + "T"
            + two(secondOfDay / 3_600) + ":" + two(secondOfDay % 3_600 / 60) + ":" + two(secondOfDay % 60) + "Z"
    }
}
