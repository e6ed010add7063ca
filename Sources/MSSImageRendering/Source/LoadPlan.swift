import MSSImageProcess

/// How a source is decoded for one process string. Decoding is most of a render's cost, and
/// most process strings start by making the image smaller, so JPEG and WebP sources are decoded
/// already shrunk by 2, 4 or 8 (the DCT and libwebp scale while decoding, for a fraction of the
/// work and memory) whenever the first step shrinks at least that much; the resize that
/// follows goes the rest of the way. Pipelines that read their input top to bottom also decode
/// it as a stream instead of holding the whole image in memory.
struct LoadPlan: Equatable, Sendable {
    /// The source is decoded at 1/`shrink` of its stored size.
    var shrink = 1
    /// Every step reads its input in order, so the decoder keeps only a few strips.
    var sequential = false

    static let whole = LoadPlan()

    init(shrink: Int = 1, sequential: Bool = false) {
        self.shrink = shrink
        self.sequential = sequential
    }

    /// The plan for running `process` over a `width` x `height` `format` source whose EXIF
    /// orientation is `orientation`.
    init(process: ImageProcess, format: SourceFormat, width: Int, height: Int, orientation: Int) {
        sequential = process.actions.allSatisfy { Self.readsInOrder($0, orientation: orientation) }
        // Crops in source coordinates come before the resize; shrinking under them would move them.
        guard format == .jpeg || format == .webp, case .transform(let first)? = process.actions.first,
            first.crop == nil, first.regionCrop == nil
        else { return }
        // `2o` turns the image before the resize plans its box.
        let turned = first.orient == 2 && orientation >= 5
        guard let resize = ResizePlan(transform: first, width: turned ? height : width, height: turned ? width : height) else {
            return
        }
        // The axis that shrinks least decides; an enlarged axis (`2e`) rules shrinking out.
        let reduction = 1 / max(resize.horizontalScale, resize.verticalScale)
        shrink = [8, 4, 2].first { Double($0) <= reduction } ?? 1
    }

    /// Whether an action reads its input strictly top to bottom. Turns (`r`, and `o` on a source
    /// whose orientation is not upright) read columns, so they need the whole image at hand.
    static func readsInOrder(_ action: ImageAction, orientation: Int) -> Bool {
        guard case .transform(let transform) = action else { return true }
        if let degrees = transform.rotate, degrees % 360 != 0 { return false }
        if transform.orient != nil, orientation != 1 { return false }
        return true
    }
}
