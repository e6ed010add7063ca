import MSSImageProcess

/// The encoding choices a pipeline accumulates: the last action that names a format, quality,
/// progressive or white-background setting decides it.
struct OutputSettings {
    static let defaultQuality = 85

    let sourceFormat: SourceFormat
    let sourceQuality: Int?
    var format: ImageFormat = .jpg
    var relativeQuality: Int?
    var absoluteQuality: Int?
    var progressive = false
    var whiteBackground = false

    init(sourceFormat: SourceFormat, sourceQuality: Int?) {
        self.sourceFormat = sourceFormat
        self.sourceQuality = sourceQuality
    }

    mutating func update(with transform: Transform) {
        if let format = transform.format { self.format = format == .src ? sourceFormat.outputFormat : format }
        if let quality = transform.quality { relativeQuality = quality }
        if let quality = transform.absoluteQuality { absoluteQuality = quality }
        if let progressive = transform.progressive { self.progressive = progressive }
        if let white = transform.whiteBackground { whiteBackground = white }
    }

    /// `Q` as given; `q` as a share of the source's own JPEG quality (of 100 for other sources);
    /// else a default that keeps photos looking as they did.
    var quality: Int {
        if let absoluteQuality { return absoluteQuality }
        if let relativeQuality { return max(1, (sourceQuality ?? 100) * relativeQuality / 100) }
        return min(Self.defaultQuality, sourceQuality ?? Self.defaultQuality)
    }
}
