import CVips
public import MSSImageProcess

/// The image formats the service reads, recognised by their first bytes and never by name, so
/// that nothing else reaches a decoder.
enum SourceFormat: Int32, Sendable {
    case jpeg = 0, png = 1, webp = 2, gif = 3, bmp = 4

    init?(sniffing head: [UInt8]) {
        func starts(_ magic: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + magic.count && Array(head[offset..<offset + magic.count]) == magic
        }
        if starts([0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) {
            self = .webp
        } else if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) {
            self = .gif
        } else if starts(Array("BM".utf8)) && head.count >= 26 {
            self = .bmp
        } else {
            return nil
        }
    }

    /// The output format `.src` keeps.
    var outputFormat: ImageFormat {
        switch self {
        case .jpeg: .jpg
        case .png: .png
        case .webp: .webp
        case .gif: .gif
        case .bmp: .bmp
        }
    }
}

extension ImageFormat {
    /// The media type of an encoded image.
    public var contentType: String {
        switch self {
        case .jpg, .src: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .bmp: "image/bmp"
        case .gif: "image/gif"
        }
    }
}
