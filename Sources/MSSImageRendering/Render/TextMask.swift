import CVips
import Synchronization

/// The one-band mask of a text watermark, sized before it is drawn: libvips draws text eagerly
/// into memory, and neither the character count nor the font size alone bounds the mask (wide
/// glyphs, line breaks and stacked combining marks all grow it), so the text is first laid out
/// at a small size and the mask's size at the requested one is planned from that.
struct TextMask {
    /// Small enough that measuring costs little whatever the text.
    static let probeSize = 20

    let text: String
    let font: WatermarkFont
    let size: Int
    let limits: ImageRenderer.Limits

    func render() throws(ImagingError) -> VImage {
        if size > Self.probeSize {
            let probe = try draw(at: Self.probeSize)
            // Layouts scale with the font size; hinting rounds each glyph, so allow a tenth and an em.
            let factor = Double(size) / Double(Self.probeSize)
            _ = try limits.check(
                width: Double(probe.width) * factor * 1.1 + Double(size), height: Double(probe.height) * factor * 1.1 + Double(size),
                "the watermark text at \(size) px")
        }
        let mask = try draw(at: size)
        try limits.check(width: mask.width, height: mask.height, "the watermark text at \(size) px")
        return mask
    }

    /// Text is drawn by one thread at a time. libvips 8.14 (Debian 12) races on its font-file
    /// table when two threads draw text at once and dies of SIGFPE in g_hash_table_lookup
    /// (libvips/libvips#3660, fixed upstream by #4362); mss-server crashed so under load in CI.
    /// Drawing a mask takes milliseconds, so the image service loses little.
    private static let drawing = Mutex(())

    private func draw(at size: Int) throws(ImagingError) -> VImage {
        let description = "\(font.family) \(size)"
        let markup = WatermarkFont.markup(text)
        let file = font.file
        return try Self.drawing.withLock { _ throws(ImagingError) in
            try VImage.make("text") { mss_text($0, markup, description, file) }
        }
    }
}
