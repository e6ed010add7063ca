import CVips
import Synchronization

/// libvips, started once per process. It is thread-safe once started: every request builds its
/// own images, and nothing below is shared between requests, except libvips' one process-wide
/// error buffer (libvips 8.14 has no per-thread one).
enum Vips {
    private static let startup: Result<Void, ImagingError> = {
        mss_vips_start() == 0 ? .success(()) : .failure(.failed("libvips did not start: \(takeFirstError())"))
    }()

    /// Held while an operation is built and its message, if it failed, is taken from the error
    /// buffer, so one request never reads another's message. Building is cheap (libvips computes
    /// pixels lazily, in the saver), so requests hardly wait on it.
    private static let errors = Mutex(())

    static func start() throws(ImagingError) {
        try startup.get()
    }

    /// Runs `operation`, which builds images (nothing is computed yet) and returns 0 or -1 like
    /// libvips; on failure returns the message it left.
    static func build(_ operation: () -> Int32) -> String? {
        errors.withLock { _ in
            operation() == 0 ? nil : takeFirstError()
        }
    }

    /// After a saver failed: the error buffer now holds what the pixel computation of any render
    /// wrote, so it is emptied without being shown to this request.
    static func discardErrors() {
        errors.withLock { _ in mss_error_clear() }
    }

    /// The first line libvips left in its buffer, which is cleared for the next operation.
    private static func takeFirstError() -> String {
        let message = mss_error_buffer().map { String(cString: $0) } ?? ""
        mss_error_clear()
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
        if let message = Vips.build({ operation(&out) }) {
            if let out { g_object_unref(out) }
            throw .failed("\(what): \(message)")
        }
        guard let out else { throw .failed("\(what): libvips returned no image") }
        return VImage(out)
    }

    func map(_ what: String, _ operation: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32) throws(ImagingError) -> VImage {
        try VImage.make(what) { operation(pointer, $0) }
    }

    var width: Int { Int(mss_image_width(pointer)) }
    var height: Int { Int(mss_image_height(pointer)) }
    var bands: Int { Int(mss_image_bands(pointer)) }
    var hasAlpha: Bool { mss_image_hasalpha(pointer) != 0 }
    var isSRGB: Bool { mss_image_is_srgb(pointer) != 0 }

    /// A saver's output buffer copied into Swift memory, the C buffer freed.
    func save(_ what: String, _ saver: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>) -> Int32) throws(ImagingError) -> [UInt8] {
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        // Encoding computes every pixel, which takes the render's whole time: it cannot hold the
        // error lock, and what libvips writes meanwhile may come from any render.
        guard saver(pointer, &buffer, &length) == 0, let buffer else {
            Vips.discardErrors()
            throw .failed("\(what) failed")
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}
