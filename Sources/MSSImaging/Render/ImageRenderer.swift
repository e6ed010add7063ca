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
/// thread pool. Memory per render is bounded by ``Limits``: sources are checked against them
/// before any pixel is decoded, and every intermediate result is checked after each step.
public struct ImageRenderer: Sendable {
    public struct Limits: Sendable {
        /// Largest source file, in bytes.
        public var maximumSourceBytes: Int
        /// Largest source, in pixels.
        public var maximumSourcePixels: Int
        /// Longest edge of any intermediate or final image.
        public var maximumEdge: Int

        public init(maximumSourceBytes: Int = 20 << 20, maximumSourcePixels: Int = 50_000_000, maximumEdge: Int = 16_384) {
            self.maximumSourceBytes = maximumSourceBytes
            self.maximumSourcePixels = maximumSourcePixels
            self.maximumEdge = maximumEdge
        }
    }

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
        }
        let bytes = try ImageEncoder(settings: output).encode(image)
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
        guard image.width * image.height <= limits.maximumSourcePixels else {
            throw .tooLarge("the source is \(image.width)x\(image.height); the image service takes at most \(limits.maximumSourcePixels) pixels")
        }
        do {
            return image.isSRGB ? image : try image.map("colour conversion") { mss_colourspace_srgb($0, $1) }
        } catch {
            throw .notAnImage("the source could not be decoded: \(error)")
        }
    }
}
