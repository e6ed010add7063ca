/// A process string of the '@' image grammar (`30r`, `100w_100h_1e_1c.png`,
/// `watermark=2&text=...`), up to four actions joined by `|`, as a value: parse it from text or
/// build it with the typed methods, and render it back to exactly one string form.
///
/// ```swift
/// let process = ImageProcess().resize(width: 100, height: 100, mode: .shortEdge).rotate(30)
/// process.rendered  // "100w_100h_1e_30r"
/// ```
public struct ImageProcess: Sendable, Hashable, CustomStringConvertible {
    public static let maximumActions = 4

    public var actions: [ImageAction]

    public init(actions: [ImageAction] = []) {
        self.actions = actions
    }

    /// Parses a process string; the error names the token at fault.
    public init(parsing text: String) throws(ImageProcessError) {
        guard !text.isEmpty else { throw ImageProcessError("the process string is empty") }
        let parts = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= Self.maximumActions else {
            throw ImageProcessError("at most \(Self.maximumActions) actions may be joined with '|', got \(parts.count)")
        }
        var actions: [ImageAction] = []
        for part in parts {
            if part.hasPrefix("watermark=") {
                actions.append(.watermark(try Watermark(parsing: part)))
            } else {
                actions.append(.transform(try Transform(parsing: part)))
            }
        }
        self.actions = actions
    }

    /// The canonical string form.
    public var rendered: String {
        actions.map(\.rendered).joined(separator: "|")
    }

    public var description: String { rendered }

    // MARK: Builder

    /// The transform being built: the last action if it is one, else a new one.
    private func updatingTransform(_ change: (inout Transform) -> Void) -> ImageProcess {
        var copy = self
        if case .transform(var transform)? = copy.actions.last {
            change(&transform)
            copy.actions[copy.actions.count - 1] = .transform(transform)
        } else {
            var transform = Transform()
            change(&transform)
            copy.actions.append(.transform(transform))
        }
        return copy
    }

    public func resize(width: Int? = nil, height: Int? = nil, mode: ResizeMode? = nil, neverEnlarge: Bool = false) -> ImageProcess {
        updatingTransform {
            $0.width = width
            $0.height = height
            $0.mode = mode
            if neverEnlarge { $0.limit = true }
        }
    }

    public func scale(percent: Int) -> ImageProcess { updatingTransform { $0.percent = percent } }
    public func centerCrop() -> ImageProcess { updatingTransform { $0.centerCrop = true } }
    public func rotate(_ degrees: Int) -> ImageProcess { updatingTransform { $0.rotate = degrees } }
    public func quality(_ value: Int, absolute: Bool = false) -> ImageProcess {
        updatingTransform { if absolute { $0.absoluteQuality = value } else { $0.quality = value } }
    }
    public func format(_ format: ImageFormat) -> ImageProcess { updatingTransform { $0.format = format } }

    /// Adds a text watermark (kind 2). `color` is `#RRGGBB`; `position` 1-9 on the 3x3 grid.
    public func watermark(
        text: String, font: String? = nil, color: String? = nil, size: Int? = nil, opacity: Int? = nil, position: Int? = nil
    ) -> ImageProcess {
        var mark = Watermark(kind: 2)
        mark.text = text
        mark.font = font
        mark.color = color
        mark.size = size
        return adding(mark, opacity: opacity, position: position)
    }

    /// Adds an image watermark (kind 1): another object of the same bucket, optionally
    /// preprocessed and scaled to a percentage of the main image.
    public func watermark(image: WatermarkObject, opacity: Int? = nil, position: Int? = nil) -> ImageProcess {
        var mark = Watermark(kind: 1)
        mark.object = image
        return adding(mark, opacity: opacity, position: position)
    }

    private func adding(_ mark: Watermark, opacity: Int?, position: Int?) -> ImageProcess {
        var mark = mark
        mark.opacity = opacity
        mark.position = position
        var copy = self
        copy.actions.append(.watermark(mark))
        return copy
    }
}

/// One `|`-separated step.
public enum ImageAction: Sendable, Hashable {
    case transform(Transform)
    case watermark(Watermark)

    public var rendered: String {
        switch self {
        case .transform(let transform): transform.rendered
        case .watermark(let watermark): watermark.rendered
        }
    }
}

/// A process string that does not follow the grammar.
public struct ImageProcessError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
