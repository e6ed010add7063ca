import CVips
import Foundation
import Testing

@testable import MSSImageRendering

/// Sources for the limit tests, drawn with libvips itself: big images are built lazily and
/// streamed into a file, so making a 20-megapixel source costs no more memory than a strip.
struct LimitFixtures {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mss-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Vips.start()
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A flat opaque PNG of `width` x `height`; it compresses to almost nothing.
    func flatPNG(_ name: String, width: Int, height: Int) throws -> String {
        let canvas = try VImage.make("canvas") { mss_black_rgba($0, Int32(width), Int32(height)) }
        let image = try canvas.map("opaque") { mss_linear_uchar($0, $1, [1, 1, 1, 0], [200, 200, 200, 255], 4) }
        return try write(image.save("png") { mss_pngsave($0, $1, $2) }, name)
    }

    /// A JPEG of Gaussian noise, which no encoder or filter can take a shortcut through.
    func noiseJPEG(_ name: String, width: Int, height: Int) throws -> String {
        var random = SystemRandomNumberGenerator()
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in pixels.indices where index % 8 == 0 {
            withUnsafeBytes(of: random.next() as UInt64) { bytes in
                for offset in 0..<min(8, pixels.count - index) { pixels[index + offset] = bytes[offset] }
            }
        }
        let noise = try VImage.make("noise") { out in
            out.pointee = pixels.withUnsafeBytes { mss_image_from_pixels($0.baseAddress, $0.count, Int32(width), Int32(height), 3) }
            return out.pointee == nil ? -1 : 0
        }
        return try write(noise.save("jpeg") { mss_jpegsave($0, $1, $2, 90, 0) }, name)
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}
