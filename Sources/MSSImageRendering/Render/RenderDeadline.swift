import CVips

/// When a render must stop, on the monotonic clock libvips' callbacks read (microseconds, a C long).
struct RenderDeadline {
    let timeout: Duration
    private let deadline: Int64

    /// `timeout` from now; a timeout too long to represent never fires.
    init(after timeout: Duration) {
        self.timeout = timeout
        let (seconds, attoseconds) = timeout.components
        let now = Int64(mss_monotonic_microseconds())
        guard seconds >= 0, attoseconds >= 0 else {
            deadline = now
            return
        }
        let whole = seconds.multipliedReportingOverflow(by: 1_000_000)
        let span = whole.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        let end = now.addingReportingOverflow(span.partialValue)
        deadline = whole.overflow || span.overflow || end.overflow ? .max : end.partialValue
    }

    var hasPassed: Bool { Int64(mss_monotonic_microseconds()) > deadline }

    /// Why the render stopped: it asked for more work than the service does per request, which
    /// is the request's to change (smaller or lighter), so the server answers 400 rather than a
    /// retryable 503 that clients would repeat with the same cost.
    var error: ImagingError {
        .tooSlow("processing took longer than \(Self.describe(timeout)); ask for a smaller image or lighter processing")
    }

    /// Throws once the deadline has passed; called between steps that Swift runs.
    func check() throws(ImagingError) {
        if hasPassed { throw error }
    }

    /// Makes libvips stop evaluating `image`, and every image built from it afterwards, at the
    /// deadline; arm the last image before encoding, and any image materialised on the way.
    func arm(_ image: VImage) {
        mss_set_deadline(image.pointer, gint64(deadline))
    }

    /// "10 s", "0.25 s".
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}
