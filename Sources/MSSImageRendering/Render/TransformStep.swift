import CVips
import MSSImageProcess

/// One resize/crop/rotate/adjust action, applied in a fixed order whatever the token order:
/// orient (`2o`), crop (`a`, `rc`) in source coordinates, resize with centre crop or pad, orient
/// (`1o`), rotate, sharpen, blur, brightness, contrast.
struct TransformStep {
    let transform: Transform
    let limits: ImageRenderer.Limits
    /// The size the resize plans on when the input was decoded shrunk: the stored image's, so
    /// that `50p`, `l` and rounding come out as they would from a full decode.
    var plannedSize: (width: Int, height: Int)?

    func apply(to input: VImage) throws(ImagingError) -> VImage {
        var image = input
        var planned = plannedSize ?? (input.width, input.height)
        if transform.orient == 2 {
            let upright = try image.map("auto-orient") { mss_autorot($0, $1) }
            if upright.width != image.width { planned = (planned.height, planned.width) }
            image = upright
        }
        if let values = transform.crop {
            let area = try CropRectangle(advanced: values, imageWidth: image.width, imageHeight: image.height)
            image = try extract(image, area)
            planned = (image.width, image.height)
        }
        if let values = transform.regionCrop {
            image = try extract(image, CropRectangle(region: values, imageWidth: image.width, imageHeight: image.height))
            planned = (image.width, image.height)
        }
        if let plan = ResizePlan(transform: transform, width: planned.width, height: planned.height) {
            image = try resize(image, to: plan.scaledSize(width: planned.width, height: planned.height), plan)
        }
        if transform.orient == 1 { image = try image.map("auto-orient") { mss_autorot($0, $1) } }
        if let degrees = transform.rotate { image = try rotate(image, degrees: degrees) }
        if let amount = transform.sharpen {
            // 50...399 maps onto sigma 0.5...4: the grammar's range, libvips' useful one.
            let sigma = Double(amount) / 100
            image = try image.map("sharpen") { mss_sharpen($0, $1, sigma) }
        }
        if let blur = transform.blur {
            let sigma = Double(blur[1])
            image = try image.map("blur") { mss_gaussblur($0, $1, sigma) }
        }
        if let brightness = transform.brightness {
            image = try linear(image, scale: 1, offset: Double(brightness) * 255 / 100)
        }
        if let contrast = transform.contrast {
            // Stretch or squeeze around mid-grey.
            let scale = Double(100 + contrast) / 100
            image = try linear(image, scale: scale, offset: 128 * (1 - scale))
        }
        return image
    }

    private func extract(_ image: VImage, _ area: CropRectangle) throws(ImagingError) -> VImage {
        try image.map("crop") { mss_extract_area($0, $1, Int32(area.x), Int32(area.y), Int32(area.width), Int32(area.height)) }
    }

    private func resize(_ input: VImage, to target: (width: Int, height: Int), _ plan: ResizePlan) throws(ImagingError) -> VImage {
        try limits.check(width: target.width, height: target.height, "the resized image")
        var image = input
        if target.width != input.width || target.height != input.height {
            // Scale to the rounded target exactly, so crops and pads below line up.
            let horizontal = Double(target.width) / Double(input.width)
            let vertical = Double(target.height) / Double(input.height)
            image = try image.map("resize") { mss_resize($0, $1, horizontal, vertical) }
        }
        if let crop = plan.centreCrop {
            let width = min(crop.width, image.width), height = min(crop.height, image.height)
            image = try extract(image, CropRectangle(region: [width, height, 5], imageWidth: image.width, imageHeight: image.height))
        }
        if let pad = plan.pad, pad.width > image.width || pad.height > image.height {
            let width = max(pad.width, image.width), height = max(pad.height, image.height)
            try limits.check(width: width, height: height, "the padded canvas")
            var colour = (transform.background ?? [255, 255, 255]).map(Double.init)
            if image.hasAlpha { colour.append(255) }
            let x = Int32((width - image.width) / 2), y = Int32((height - image.height) / 2)
            image = try image.map("pad") { mss_embed($0, $1, x, y, Int32(width), Int32(height), colour, Int32(colour.count)) }
        }
        return image
    }

    /// Clockwise; quarter turns are exact, other angles fill the corners white (transparent when
    /// the image has alpha).
    private func rotate(_ image: VImage, degrees: Int) throws(ImagingError) -> VImage {
        let angle = degrees % 360
        if angle == 0 { return image }
        if angle % 90 == 0 {
            let quarters = Int32(angle / 90)
            return try image.map("rotate") { mss_rot($0, $1, quarters) }
        }
        let radians = Double(angle) * .pi / 180
        let width = Double(image.width), height = Double(image.height)
        // The bounding box libvips allocates for the turned image.
        _ = try limits.check(
            width: abs(width * cos(radians)) + abs(height * sin(radians)),
            height: abs(width * sin(radians)) + abs(height * cos(radians)), "the rotated image")
        let background: [Double] = image.hasAlpha ? [0, 0, 0, 0] : [255, 255, 255]
        return try image.map("rotate") { mss_rotate($0, $1, Double(angle), background, Int32(background.count)) }
    }

    /// `scale * pixel + offset` on the colour bands, alpha untouched, clipped to 8 bits.
    private func linear(_ image: VImage, scale: Double, offset: Double) throws(ImagingError) -> VImage {
        let colourBands = image.hasAlpha ? image.bands - 1 : image.bands
        var scales = Array(repeating: scale, count: colourBands)
        var offsets = Array(repeating: offset, count: colourBands)
        if image.hasAlpha {
            scales.append(1)
            offsets.append(0)
        }
        return try image.map("adjust") { mss_linear_uchar($0, $1, scales, offsets, Int32(scales.count)) }
    }
}
