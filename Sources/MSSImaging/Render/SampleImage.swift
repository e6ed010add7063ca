import CVips
import Foundation
import MSSImageProcess

/// A picture to try the image service on when the user has none: a colour field with rings and a
/// caption, drawn here so nothing has to be downloaded or shipped.
public enum SampleImage {
    /// The picture as a JPEG.
    public static func jpeg(width: Int = 800, height: Int = 600, caption: String = "swift-mss") throws(ImagingError) -> [UInt8] {
        try Vips.start()
        guard (16...4096).contains(width), (16...4096).contains(height) else {
            throw .invalidProcess("a sample picture is 16...4096 px a side, not \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let centreX = Double(width) * 0.35, centreY = Double(height) * 0.45
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let distance = ((Double(x) - centreX) * (Double(x) - centreX) + (Double(y) - centreY) * (Double(y) - centreY)).squareRoot()
                let ring = (sin(distance / 9) + 1) / 2
                let offset = (y * width + x) * 3
                pixels[offset] = UInt8(min(255, 40 + 200 * u * (0.6 + 0.4 * ring)))
                pixels[offset + 1] = UInt8(min(255, 60 + 150 * v))
                pixels[offset + 2] = UInt8(min(255, 90 + 150 * (1 - u) * ring))
            }
        }
        let base = try VImage.make("sample") { out in
            out.pointee = pixels.withUnsafeBytes { mss_image_from_pixels($0.baseAddress, $0.count, Int32(width), Int32(height), 3) }
            return out.pointee == nil ? -1 : 0
        }
        var mark = Watermark(kind: 2)
        mark.text = caption
        mark.color = "#FFFFFF"
        mark.size = max(12, height / 10)
        mark.position = 1
        mark.x = width / 20
        mark.y = height / 20
        mark.shadow = 60
        let captioned = try WatermarkStep(watermark: mark, files: [:], limits: .init()).apply(to: base)
        return try captioned.save("JPEG encoding") { mss_jpegsave($0, $1, $2, 90, 0) }
    }
}
