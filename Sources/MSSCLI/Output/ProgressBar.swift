import Foundation
import MSS
import Synchronization

/// A one-line progress bar on standard error: percent, bar, bytes, rate and time left. Draws at
/// most ten times a second and only on a terminal; `finish` leaves the final state on its line.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw = Date.distantPast
        var latest: TransferProgress?
        var finished = false
    }

    private let label: String
    private let enabled: Bool
    private let state = Mutex(State())

    init(label: String, output: Output) {
        self.label = label
        enabled = output.showsProgress
    }

    /// The handler to give a transfer.
    var handler: TransferProgressHandler? {
        guard enabled else { return nil }
        return { [self] progress in update(progress) }
    }

    func update(_ progress: TransferProgress) {
        let line: String? = state.withLock { state in
            state.latest = progress
            let now = Date()
            guard !state.finished, now.timeIntervalSince(state.lastDraw) >= 0.1 || progress.bytesTransferred == progress.totalBytes else { return nil }
            state.lastDraw = now
            return render(progress)
        }
        if let line { StandardStream.error.write("\r" + line + "\u{1B}[K") }
    }

    func finish() {
        let line: String? = state.withLock { state in
            guard enabled, !state.finished, let latest = state.latest else { return nil }
            state.finished = true
            return render(latest)
        }
        if let line { StandardStream.error.write("\r" + line + "\u{1B}[K\n") }
    }

    private func render(_ progress: TransferProgress) -> String {
        let fraction = progress.totalBytes > 0 ? min(1, Double(progress.bytesTransferred) / Double(progress.totalBytes)) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let remaining = progress.bytesPerSecond > 0 ? Double(progress.totalBytes - progress.bytesTransferred) / progress.bytesPerSecond : .infinity
        let name = label.count > 30 ? "…" + label.suffix(29) : label
        let percent = String(format: "%3d%%", Int(fraction * 100))
        let eta = progress.bytesTransferred >= progress.totalBytes ? "0s" : HumanFormat.duration(seconds: remaining)
        return "\(name) \(percent) [\(bar)] \(HumanFormat.size(progress.bytesTransferred)) / \(HumanFormat.size(progress.totalBytes))  "
            + "\(HumanFormat.rate(progress.bytesPerSecond))  ETA \(eta)"
    }
}
