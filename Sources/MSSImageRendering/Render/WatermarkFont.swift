import Foundation

/// The fonts text watermarks can name (base64 in `type`), mapped to the WenQuanYi fonts Debian
/// ships in `fonts-wqy-zenhei` and `fonts-wqy-microhei`.
struct WatermarkFont {
    static let defaultName = "wqy-zenhei"
    private static let known: [String: (family: String, file: String)] = [
        "wqy-zenhei": ("WenQuanYi Zen Hei", "wqy-zenhei.ttc"),
        "wqy-microhei": ("WenQuanYi Micro Hei", "wqy-microhei.ttc"),
    ]
    private static let directories = ["/usr/share/fonts/truetype/wqy", "/usr/local/share/fonts", "/usr/share/fonts"]

    let family: String
    /// The font file when it is where Debian puts it; otherwise fontconfig finds the family.
    let file: String?

    init(named name: String?) throws(ImagingError) {
        let name = name ?? Self.defaultName
        guard let entry = Self.known[name.lowercased()] else {
            throw .invalidProcess("unknown watermark font '\(name)'; known: \(Self.known.keys.sorted().joined(separator: ", "))")
        }
        family = entry.family
        file = Self.directories.map { "\($0)/\(entry.file)" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Text as Pango markup, which is what libvips renders.
    static func markup(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
