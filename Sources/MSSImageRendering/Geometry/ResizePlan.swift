import MSSImageProcess

/// What the resize tokens of one action (`w`, `h`, `e`, `l`, `p`, `c`) do to an image of a given
/// size: the scale factors, then an optional centre crop (`1e_1c`) or pad (`4e`) to the box.
struct ResizePlan: Equatable {
    var horizontalScale: Double
    var verticalScale: Double
    /// Width and height to cut from the centre of the scaled image.
    var centreCrop: (width: Int, height: Int)?
    /// Width and height to pad the scaled image to, centred.
    var pad: (width: Int, height: Int)?

    static func == (a: ResizePlan, b: ResizePlan) -> Bool {
        a.horizontalScale == b.horizontalScale && a.verticalScale == b.verticalScale
            && a.centreCrop?.width == b.centreCrop?.width && a.centreCrop?.height == b.centreCrop?.height
            && a.pad?.width == b.pad?.width && a.pad?.height == b.pad?.height
    }

    /// Nil when the action has no resize tokens.
    init?(transform: Transform, width sourceWidth: Int, height sourceHeight: Int) {
        let percent = Double(transform.percent ?? 100) / 100
        guard transform.width != nil || transform.height != nil || transform.percent != nil else { return nil }
        let sw = Double(sourceWidth), sh = Double(sourceHeight)
        // `p` multiplies the box when one is given, else the image itself.
        let boxWidth = transform.width.map { Double($0) * percent }
        let boxHeight = transform.height.map { Double($0) * percent }
        let mode = transform.mode ?? .longEdge
        var horizontal: Double, vertical: Double
        switch (boxWidth, boxHeight) {
        case (nil, nil):
            horizontal = percent
            vertical = percent
        case let (width?, nil):
            horizontal = width / sw
            vertical = horizontal
        case let (nil, height?):
            vertical = height / sh
            horizontal = vertical
        case let (width?, height?):
            switch mode {
            case .longEdge, .shortEdgeThenPad:
                horizontal = min(width / sw, height / sh)
                vertical = horizontal
            case .shortEdge:
                horizontal = max(width / sw, height / sh)
                vertical = horizontal
            case .exact:
                horizontal = width / sw
                vertical = height / sh
            }
        }
        if transform.limit == true {
            horizontal = min(horizontal, 1)
            vertical = min(vertical, 1)
        }
        horizontalScale = horizontal
        verticalScale = vertical
        centreCrop = nil
        pad = nil
        if let boxWidth, let boxHeight {
            let box = (width: Self.pixels(boxWidth), height: Self.pixels(boxHeight))
            if mode == .shortEdge && transform.centerCrop == true { centreCrop = box }
            if mode == .shortEdgeThenPad { pad = box }
        }
    }

    /// The size after scaling, as libvips rounds it.
    func scaledSize(width: Int, height: Int) -> (width: Int, height: Int) {
        (Self.pixels(Double(width) * horizontalScale), Self.pixels(Double(height) * verticalScale))
    }

    /// A planned length rounded to whole pixels, at least 1. Past any real limit it saturates, far
    /// above every edge limit, so the size check refuses it instead of the conversion trapping.
    static func pixels(_ value: Double) -> Int {
        let ceiling = Double(Int32.max) * 2
        guard value.isFinite else { return value > 0 ? Int(ceiling) : 1 }
        return max(1, Int(min(value.rounded(), ceiling)))
    }
}

/// The rectangle `x-y-w-ha` selects from an image; a zero or overreaching width or height runs to
/// the edge.
struct CropRectangle: Equatable {
    var x: Int, y: Int, width: Int, height: Int

    init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    init(advanced values: [Int], imageWidth: Int, imageHeight: Int) throws(ImagingError) {
        let (x, y, w, h) = (values[0], values[1], values[2], values[3])
        guard x < imageWidth, y < imageHeight else {
            throw .invalidProcess("crop start \(x),\(y) lies outside the \(imageWidth)x\(imageHeight) image")
        }
        self.x = x
        self.y = y
        width = w == 0 ? imageWidth - x : min(w, imageWidth - x)
        height = h == 0 ? imageHeight - y : min(h, imageHeight - y)
    }

    /// `WxH-Prc`: a W x H rectangle in region P of a 3x3 grid, clipped to the image.
    init(region values: [Int], imageWidth: Int, imageHeight: Int) {
        let width = min(values[0], imageWidth), height = min(values[1], imageHeight)
        let origin = GridPosition(values[2]).origin(
            itemWidth: width, itemHeight: height, inWidth: imageWidth, height: imageHeight, marginX: 0, marginY: 0)
        x = origin.x
        y = origin.y
        self.width = width
        self.height = height
    }
}

/// A cell of the 3x3 grid the grammar uses for watermarks and region crops: 1 top-left ... 9
/// bottom-right.
struct GridPosition {
    var column: Int
    var row: Int

    init(_ position: Int) {
        let index = min(max(position, 1), 9) - 1
        column = index % 3
        row = index / 3
    }

    /// Top-left corner of an item placed in this cell, `margin` px from the edges it touches,
    /// the middle row moved by `verticalOffset` (positive is up), kept inside the image.
    func origin(
        itemWidth: Int, itemHeight: Int, inWidth width: Int, height: Int, marginX: Int, marginY: Int, verticalOffset: Int = 0
    ) -> (x: Int, y: Int) {
        let x: Int
        switch column {
        case 0: x = marginX
        case 1: x = (width - itemWidth) / 2
        default: x = width - itemWidth - marginX
        }
        let y: Int
        switch row {
        case 0: y = marginY
        case 1: y = (height - itemHeight) / 2 - verticalOffset
        default: y = height - itemHeight - marginY
        }
        return (min(max(x, 0), max(width - itemWidth, 0)), min(max(y, 0), max(height - itemHeight, 0)))
    }
}
