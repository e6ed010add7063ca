import CVips
import MSSImageProcess

/// A `watermark=1|2|3` action: an image from the same bucket, a line of text, or both side by
/// side, placed on the 3x3 grid with margins and blended at the requested opacity.
struct WatermarkStep {
    static let defaultMargin = 10
    static let defaultFontSize = 40

    let watermark: Watermark
    let files: [String: String]
    let limits: ImageRenderer.Limits

    func apply(to base: VImage) throws(ImagingError) -> VImage {
        let opacity = Double(watermark.opacity ?? 100) / 100
        let picture = watermark.kind == 2 ? nil : try objectOverlay(base: base, opacity: opacity)
        let lettering = watermark.kind == 1 ? nil : try textOverlay(opacity: opacity)
        let overlay: VImage
        switch (picture, lettering) {
        case let (picture?, lettering?): overlay = try combine(picture, lettering)
        case let (picture?, nil): overlay = picture
        case let (nil, lettering?): overlay = lettering
        case (nil, nil): return base
        }
        let origin = GridPosition(watermark.position ?? 9).origin(
            itemWidth: overlay.width, itemHeight: overlay.height, inWidth: base.width, height: base.height,
            marginX: watermark.x ?? Self.defaultMargin, marginY: watermark.y ?? Self.defaultMargin,
            verticalOffset: watermark.verticalOffset ?? 0)
        let blended = try base.map("watermark") { mss_composite_over($0, overlay.pointer, $1, Int32(origin.x), Int32(origin.y)) }
        guard !base.hasAlpha, blended.bands > base.bands else { return blended }
        let bands = Int32(base.bands)
        return try blended.map("watermark") { mss_extract_band($0, $1, 0, bands) }
    }

    // MARK: Text

    /// The text in its colour over transparency, with a shadow under it when `s` asks.
    private func textOverlay(opacity: Double) throws(ImagingError) -> VImage {
        let text = watermark.text ?? ""
        let size = watermark.size ?? Self.defaultFontSize
        let font = try WatermarkFont(named: watermark.font)
        let mask = try TextMask(text: text, font: font, size: size, limits: limits).render()
        let colour = Self.rgb(watermark.color ?? "#000000")
        let glyphs = try tinted(mask, colour: colour, opacity: opacity)
        guard let shadow = watermark.shadow else { return glyphs }
        let offset = max(1, size / 20)
        let dark = try tinted(mask, colour: [0, 0, 0], opacity: opacity * Double(shadow) / 100)
        try limits.check(width: mask.width + offset, height: mask.height + offset, "the shadowed watermark text")
        let canvas = try VImage.make("shadow") { mss_black_rgba($0, Int32(mask.width + offset), Int32(mask.height + offset)) }
        let shaded = try canvas.map("shadow") { mss_composite_over($0, dark.pointer, $1, Int32(offset), Int32(offset)) }
        return try shaded.map("shadow") { mss_composite_over($0, glyphs.pointer, $1, 0, 0) }
    }

    /// A one-band mask turned into `colour` with the mask, scaled by `opacity`, as alpha.
    private func tinted(_ mask: VImage, colour: [Double], opacity: Double) throws(ImagingError) -> VImage {
        let fill = try VImage.make("text colour") { out in
            out.pointee = mss_image_new_constant(mask.pointer, colour, Int32(colour.count))
            return out.pointee == nil ? -1 : 0
        }
        let alpha = try mask.map("text opacity") { mss_linear_uchar($0, $1, [opacity], [0], 1) }
        let joined = try fill.map("text") { mss_bandjoin2($0, alpha.pointer, $1) }
        return try joined.map("text") { mss_as_srgb($0, $1) }
    }

    static func rgb(_ hex: String) -> [Double] {
        let value = UInt32(hex.dropFirst(), radix: 16) ?? 0
        return [Double(value >> 16 & 0xFF), Double(value >> 8 & 0xFF), Double(value & 0xFF)]
    }

    // MARK: Image

    /// The watermark object, preprocessed, scaled to `NP` of the main image, with its alpha
    /// scaled by the opacity.
    private func objectOverlay(base: VImage, opacity: Double) throws(ImagingError) -> VImage {
        guard let reference = watermark.object else { throw .invalidProcess("an image watermark needs 'object'") }
        guard let path = files[reference.key] else {
            throw .invalidProcess("the watermark object '\(reference.key)' does not exist in this bucket")
        }
        let decoded = try SourceImage(path: path, limits: limits).decode(for: reference.process)
        var image = decoded.image
        var plannedSize = decoded.plan.shrink > 1 ? decoded.storedSize : nil
        for action in reference.process?.actions ?? [] {
            guard case .transform(let transform) = action else {
                throw .invalidProcess("a watermark object's own process cannot hold another watermark")
            }
            image = try TransformStep(transform: transform, limits: limits, plannedSize: plannedSize).apply(to: image)
            plannedSize = nil
        }
        if let percent = reference.percentOfMain {
            let scale = min(
                Double(base.width) * Double(percent) / 100 / Double(image.width),
                Double(base.height) * Double(percent) / 100 / Double(image.height))
            _ = try limits.check(
                width: Double(image.width) * scale, height: Double(image.height) * scale, "the scaled watermark image")
            image = try image.map("watermark scale") { mss_resize($0, $1, scale, scale) }
        }
        if !image.hasAlpha {
            let opaque = try VImage.make("watermark alpha") { out in
                out.pointee = mss_image_new_constant1(image.pointer, 255)
                return out.pointee == nil ? -1 : 0
            }
            image = try image.map("watermark alpha") { mss_bandjoin2($0, opaque.pointer, $1) }
        }
        let scales = Array(repeating: 1.0, count: image.bands - 1) + [opacity]
        let offsets = Array(repeating: 0.0, count: image.bands)
        return try image.map("watermark opacity") { mss_linear_uchar($0, $1, scales, offsets, Int32(scales.count)) }
    }

    // MARK: Both

    /// Image and text side by side: `order` 0 puts the image first, `align` 0/1/2 aligns them
    /// top/middle/bottom, `interval` px apart.
    private func combine(_ picture: VImage, _ lettering: VImage) throws(ImagingError) -> VImage {
        let (first, second) = watermark.order == 1 ? (lettering, picture) : (picture, lettering)
        let gap = watermark.interval ?? 0
        let width = first.width + gap + second.width, height = max(first.height, second.height)
        try limits.check(width: width, height: height, "the combined image and text watermark")
        func top(_ item: VImage) -> Int32 {
            switch watermark.align ?? 0 {
            case 1: Int32((height - item.height) / 2)
            case 2: Int32(height - item.height)
            default: 0
            }
        }
        let canvas = try VImage.make("watermark") { mss_black_rgba($0, Int32(width), Int32(height)) }
        let placed = try canvas.map("watermark") { mss_composite_over($0, first.pointer, $1, 0, top(first)) }
        return try placed.map("watermark") { mss_composite_over($0, second.pointer, $1, Int32(first.width + gap), top(second)) }
    }
}
