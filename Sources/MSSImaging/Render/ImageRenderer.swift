import CVips
public import MSSImageProcess

/// An encoded result of the image service.
public struct RenderedImage: Sendable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    public var width: Int
    public var height: Int

    public var contentType: String { format.contentType }
}

/// Runs '@' process strings over image files with libvips.
///
/// Rendering blocks the calling thread for as long as the image work takes, so call it from a
/// thread pool. Memory and time per render are bounded by ``Limits``: sources are checked
/// before any pixel is decoded, the size of every intermediate image is planned and checked
/// before libvips builds it, and the work stops at the time limit.
public struct ImageRenderer: Sendable {
    public let limits: Limits

    /// Starts libvips if no renderer has yet.
    public init(limits: Limits = Limits()) throws(ImagingError) {
        try Vips.start()
        self.limits = limits
    }

    /// The keys of the watermark images `process` needs, for the caller to resolve to files.
    public static func watermarkObjects(in process: ImageProcess) -> [WatermarkObject] {
        process.actions.compactMap { action in
            guard case .watermark(let mark) = action else { return nil }
            return mark.object
        }
    }

    /// Renders the image at `sourcePath` through `process`. `watermarkFiles` maps each watermark
    /// object key to the file holding it.
    public func render(sourcePath: String, process: ImageProcess, watermarkFiles: [String: String] = [:]) throws(ImagingError) -> RenderedImage {
        let deadline = RenderDeadline(after: limits.renderTimeout)
        do {
            try process.validate()
        } catch {
            throw .invalidProcess(error.message)
        }
        let source = try SourceImage(path: sourcePath, limits: limits)
        var image = try source.decode()
        var output = OutputSettings(sourceFormat: source.format, sourceQuality: source.jpegQuality)
        for action in process.actions {
            switch action {
            case .transform(let transform):
                image = try TransformStep(transform: transform, limits: limits).apply(to: image)
                output.update(with: transform)
            case .watermark(let mark):
                image = try WatermarkStep(watermark: mark, files: watermarkFiles, limits: limits).apply(to: image)
            }
            // Text masks are drawn while the steps are built; everything else waits for the encoder.
            try deadline.check()
        }
        deadline.arm(image)
        let bytes: [UInt8]
        do {
            bytes = try ImageEncoder(settings: output).encode(image)
        } catch {
            // A killed evaluation surfaces as the saver's failure; say why it was killed.
            if deadline.hasPassed { throw deadline.error }
            throw error
        }
        return RenderedImage(bytes: bytes, format: output.format, width: image.width, height: image.height)
    }
}

/// A source file checked against the limits and sniffed, ready to decode.
struct SourceImage {
    let path: String
    let format: SourceFormat
    let jpegQuality: Int?
    let limits: ImageRenderer.Limits

    init(path: String, limits: ImageRenderer.Limits) throws(ImagingError) {
        self.path = path
        self.limits = limits
        let head: [UInt8]
        let size: Int
        do {
            (head, size) = try FileHead.read(path: path, count: 64 << 10)
        } catch {
            throw .failed("the source could not be read")
        }
        guard size <= limits.maximumSourceBytes else {
            throw .tooLarge("the source is \(size) bytes; the image service takes at most \(limits.maximumSourceBytes)")
        }
        guard let format = SourceFormat(sniffing: head) else {
            throw .notAnImage("the source is not a JPEG, PNG, WebP, GIF or BMP image")
        }
        self.format = format
        jpegQuality = format == .jpeg ? JPEGQuality.estimate(head) : nil
    }

    /// The decoded image as 8-bit sRGB (with alpha if it has one).
    func decode() throws(ImagingError) -> VImage {
        let image: VImage
        do {
            image = try VImage.make("load") { mss_load(path, format.rawValue, $0) }
        } catch {
            throw .notAnImage("the source could not be decoded as \(format.outputFormat.rawValue.uppercased()): \(error)")
        }
        let (pixels, overflow) = image.width.multipliedReportingOverflow(by: image.height)
        guard !overflow, pixels <= limits.maximumSourcePixels else {
            throw .tooLarge("the source is \(image.width)x\(image.height); the image service takes at most \(limits.maximumSourcePixels) pixels")
        }
        do {
            return image.isSRGB ? image : try image.map("colour conversion") { mss_colourspace_srgb($0, $1) }
        } catch {
            throw .notAnImage("the source could not be decoded: \(error)")
        }
    }
}
