import Foundation

/// When something becomes due under a lifecycle rule.
struct LifecycleSchedule: Sendable {
    /// Seconds of a lifecycle day; nil: real days, due times rounded up to midnight UTC.
    var dayLength: Double?

    init(dayLength: Duration?) {
        self.dayLength = dayLength.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
    }

    /// `days` days after `start`. With real days, S3 rounds to the midnight UTC that follows
    /// (an object written at 10:30 with 1 day expires at the second midnight after). Days are
    /// at most `Int32.max` (the document bounds them), so the arithmetic stays in range.
    func due(after start: Date, days: Int) -> Date {
        let count = Double(max(days, 0))
        guard let dayLength else {
            let seconds = start.timeIntervalSince1970 + (count + 1) * 86_400
            return Date(timeIntervalSince1970: (seconds / 86_400).rounded(.down) * 86_400)
        }
        return start.addingTimeInterval(count * dayLength)
    }
}
