import CVips

/// libvips, started once per process. It is thread-safe once started: every request builds its
/// own images, and nothing below is shared between requests.
enum Vips {
    private static let startup: Result<Void, ImagingError> = {
        mss_vips_start() == 0 ? .success(()) : .failure(.failed("libvips did not start: \(takeError())"))
    }()

    static func start() throws(ImagingError) {
        try startup.get()
    }

    /// The message libvips left for the calling thread's failed operation, cleared for the next one.
    static func takeError() -> String {
        let message = vips_error_buffer().map { String(cString: $0) } ?? ""
        vips_error_clear()
        return message.split(separator: "\n").first.map(String.init) ?? "libvips failed"
    }
}

/// One libvips image, released when the last reference goes. Images never cross threads: a render
/// runs start to finish on one.
final class VImage {
    let pointer: UnsafeMutablePointer<VipsImage>

    init(_ pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    deinit {
        g_object_unref(pointer)
    }

    /// Runs a libvips operation that writes one output image.
    static func make(_ what: String, _ operation: (UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws(ImagingError) -> VImage {
        var out: UnsafeMutablePointer<VipsImage>?
        guard operation(&out) == 0, let out else {
            throw .failed("\(what): \(Vips.takeError())")
        }
        return VImage(out)
    }

    func map(_ what: String, _ operation: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws(ImagingError) -> VImage {
        try VImage.make(what) { operation(pointer, $0) }
    }

    var width: Int { Int(vips_image_get_width(pointer)) }
    var height: Int { Int(vips_image_get_height(pointer)) }
    var bands: Int { Int(vips_image_get_bands(pointer)) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    var isSRGB: Bool { vips_image_get_interpretation(pointer) == VIPS_INTERPRETATION_sRGB && vips_image_get_format(pointer) == VIPS_FORMAT_UCHAR }

    /// A saver's output buffer copied into Swift memory, the C buffer freed.
    func save(_ what: String, _ saver: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32) throws(ImagingError) -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard saver(pointer, &buffer, &length) == 0, let buffer else {
            throw .failed("\(what): \(Vips.takeError())")
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
