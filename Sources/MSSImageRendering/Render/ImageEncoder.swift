import CVips
import MSSImageProcess

/// Encodes the final image in the chosen format.
struct ImageEncoder {
    let settings: OutputSettings

    func encode(_ input: VImage) throws(ImagingError) -> [UInt8] {
        switch settings.format {
        case .jpg, .src:
            var image = input
            if image.hasAlpha {
                // JPEG has no alpha: transparency becomes black, or white with `1wh`.
                let background: [Double] = settings.whiteBackground ? [255, 255, 255] : [0, 0, 0]
                image = try image.map("flatten") { mss_flatten($0, $1, background, 3) }
            }
            let quality = Int32(settings.quality), progressive: Int32 = settings.progressive ? 1 : 0
            return try image.save("JPEG encoding") { mss_jpegsave($0, $1, $2, quality, progressive) }
        case .png:
            return try input.save("PNG encoding") { mss_pngsave($0, $1, $2) }
        case .webp:
            let quality = Int32(settings.quality)
            return try input.save("WebP encoding") { mss_webpsave($0, $1, $2, quality) }
        case .gif:
            return try input.save("GIF encoding") { mss_gifsave($0, $1, $2) }
        case .bmp:
            return try input.save("BMP encoding") { mss_bmpsave($0, $1, $2) }
        }
    }
}
