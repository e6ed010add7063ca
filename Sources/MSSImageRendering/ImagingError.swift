/// Why an image could not be produced. Every case is the request's fault or the source's, so the
/// server answers all of them with 400 InvalidArgument.
public enum ImagingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The process string does not follow the grammar, or asks for something impossible here.
    case invalidProcess(String)
    /// The source is not a JPEG, PNG, WebP, GIF or BMP image, or is damaged.
    case notAnImage(String)
    /// The source, the result or an image on the way is larger than the configured limits.
    case tooLarge(String)
    /// The render ran past the configured time limit and was stopped.
    case tooSlow(String)
    /// libvips refused the work.
    case failed(String)

    public var description: String {
        switch self {
        case .invalidProcess(let message), .notAnImage(let message), .tooLarge(let message), .tooSlow(let message),
            .failed(let message):
            message
        }
    }
}
