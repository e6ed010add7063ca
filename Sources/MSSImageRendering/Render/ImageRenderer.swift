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
        let decoded = try source.decode(for: process)
        var image = decoded.image
        var output = OutputSettings(sourceFormat: source.format, sourceQuality: source.jpegQuality)
        // The first step plans its sizes on the stored image, not the shrunk decode.
        var plannedSize = decoded.plan.shrink > 1 ? decoded.storedSize : nil
        for action in process.actions {
            switch action {
            case .transform(let transform):
                image = try TransformStep(transform: transform, limits: limits, plannedSize: plannedSize).apply(to: image)
                output.update(with: transform)
            case .watermark(let mark):
                image = try WatermarkStep(watermark: mark, files: watermarkFiles, limits: limits).apply(to: image)
            }
            plannedSize = nil
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

    /// A decoded source and how it was decoded.
    struct Decoded {
        /// 8-bit sRGB, with alpha if the source has one.
        var image: VImage
        var plan: LoadPlan
        /// The size of the stored image, before any shrink-on-load.
        var storedSize: (width: Int, height: Int)
    }

    /// The source decoded as the plan for `process` says (in full and at random when nil).
    /// Only the header is read before the pixel limit is checked.
    func decode(for process: ImageProcess?) throws(ImagingError) -> Decoded {
        let header = try open(.whole)
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        guard !overflow, pixels <= limits.maximumSourcePixels else {
            throw .tooLarge("the source is \(header.width)x\(header.height); the image service takes at most \(limits.maximumSourcePixels) pixels")
        }
        let plan = process.map {
            LoadPlan(process: $0, format: format, width: header.width, height: header.height, orientation: Int(mss_orientation(header.pointer)))
        } ?? .whole
        let image = plan == .whole ? header : try open(plan)
        do {
            let srgb = image.isSRGB ? image : try image.map("colour conversion") { mss_colourspace_srgb($0, $1) }
            return Decoded(image: srgb, plan: plan, storedSize: (header.width, header.height))
        } catch {
            throw .notAnImage("the source could not be decoded: \(error)")
        }
    }

    /// The lazily loading image: libvips reads the header now and pixels when they are asked for.
    private func open(_ plan: LoadPlan) throws(ImagingError) -> VImage {
        do {
            return try VImage.make("load") { mss_load(path, format.rawValue, Int32(plan.shrink), plan.sequential ? 1 : 0, $0) }
        } catch {
            throw .notAnImage("the source could not be decoded as \(format.outputFormat.rawValue.uppercased()): \(error)")
        }
    }
}
