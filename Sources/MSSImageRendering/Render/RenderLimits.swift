extension ImageRenderer {
    /// What one render may cost. Sizes are planned from the process string and the source's header
    /// and checked before libvips builds each image, so a refused request allocates nothing large;
    /// the time limit stops the work libvips does lazily while encoding.
    public struct Limits: Sendable {
        /// Largest source file, in bytes.
        public var maximumSourceBytes: Int
        /// Largest source, in pixels.
        public var maximumSourcePixels: Int
        /// Longest edge of any intermediate or final image.
        public var maximumEdge: Int
        /// Largest intermediate or final image, in pixels: resize targets, pad canvases, rotated
        /// bounding boxes, text masks and watermark canvases. Edges alone would let 16384x16384
        /// (1 GiB at four bands) through.
        public var maximumPixels: Int
        /// Longest one render may take once it has started, measured on the monotonic clock.
        public var renderTimeout: Duration

        public init(
            maximumSourceBytes: Int = 20 << 20, maximumSourcePixels: Int = 50_000_000, maximumEdge: Int = 16_384,
            maximumPixels: Int = 50_000_000, renderTimeout: Duration = .seconds(10)
        ) {
            self.maximumSourceBytes = maximumSourceBytes
            self.maximumSourcePixels = maximumSourcePixels
            self.maximumEdge = maximumEdge
            self.maximumPixels = maximumPixels
            self.renderTimeout = renderTimeout
        }

        /// libvips takes coordinates as C ints; no limit may reach past them.
        var edgeLimit: Int { min(maximumEdge, Int(Int32.max)) }

        /// Refuses a `width` x `height` image named `what` ("the padded canvas") that would break
        /// the edge or pixel limit. Passing the check guarantees both fit in an `Int32`.
        func check(width: Int, height: Int, _ what: String) throws(ImagingError) {
            guard width <= edgeLimit, height <= edgeLimit else {
                throw .tooLarge("\(what) would be \(width)x\(height); the image service makes at most \(maximumEdge) px a side")
            }
            let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
            guard !overflow, pixels <= maximumPixels else {
                throw .tooLarge(
                    "\(what) would be \(width)x\(height) (\(overflow ? "too many" : String(pixels)) pixels); the image service makes at most \(maximumPixels) pixels")
            }
        }

        /// The same for a size computed in floating point (rotation boxes, scaled masks), rounded
        /// up, without converting anything out of range to `Int` first.
        func check(width: Double, height: Double, _ what: String) throws(ImagingError) -> (width: Int, height: Int) {
            let bound = Double(edgeLimit)
            guard width.isFinite, height.isFinite, width.rounded(.up) <= bound, height.rounded(.up) <= bound else {
                let shown = { (value: Double) in value.isFinite && value < 1e15 ? String(Int(value.rounded(.up))) : "too many" }
                throw .tooLarge("\(what) would be \(shown(width))x\(shown(height)); the image service makes at most \(maximumEdge) px a side")
            }
            let size = (width: max(1, Int(width.rounded(.up))), height: max(1, Int(height.rounded(.up))))
            try check(width: size.width, height: size.height, what)
            return size
        }
    }
}
