/// How `e` fits an image into width and height.
public enum ResizeMode: Int, Sendable, Hashable, CaseIterable {
    case longEdge = 0
    case shortEdge = 1
    case exact = 2
    case shortEdgeThenPad = 4
}

/// The output format suffix.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable {
    case jpg, png, webp, bmp, gif, src
}

/// A resize / crop / rotate / adjust action: `_`-joined `<value><token>` pieces and an optional
/// format suffix.
public struct Transform: Sendable, Hashable {
    public var width: Int?
    public var height: Int?
    public var mode: ResizeMode?
    public var limit: Bool?
    public var centerCrop: Bool?
    public var percent: Int?
    /// `R-G-B` padding colour for `4e`.
    public var background: [Int]?
    /// `x-y-w-h` crop rectangle.
    public var crop: [Int]?
    /// `W`, `H`, grid position for `WxH-Prc`.
    public var regionCrop: [Int]?
    public var rotate: Int?
    public var orient: Int?
    public var quality: Int?
    public var absoluteQuality: Int?
    public var progressive: Bool?
    public var whiteBackground: Bool?
    public var sharpen: Int?
    /// Radius and sigma for `R-Sbl`.
    public var blur: [Int]?
    public var brightness: Int?
    public var contrast: Int?
    public var format: ImageFormat?

    public init() {}

    /// Token suffixes, longest first so `bgc` wins over `c` and `bl` over `l`.
    static let suffixes = ["bgc", "pr", "wh", "sh", "bl", "rc", "w", "h", "e", "l", "c", "p", "a", "r", "o", "q", "Q", "b", "d"]

    init(parsing text: String) throws(ImageProcessError) {
        var body = Substring(text)
        if let dot = body.lastIndex(of: ".") {
            let suffix = String(body[body.index(after: dot)...])
            guard let format = ImageFormat(rawValue: suffix) else {
                throw ImageProcessError("unknown format suffix '.\(suffix)' in '\(text)'")
            }
            self.format = format
            body = body[..<dot]
        }
        guard !body.isEmpty || format != nil else { throw ImageProcessError("empty action in the process string") }
        // A bare suffix (`...|.png`) is an action that only converts.
        if body.isEmpty { return }
        for token in body.split(separator: "_", omittingEmptySubsequences: false) {
            try apply(String(token))
        }
    }

    private mutating func apply(_ token: String) throws(ImageProcessError) {
        guard let suffix = Self.suffixes.first(where: { token.hasSuffix($0) && token.count > $0.count }) else {
            throw ImageProcessError("unknown token '\(token)'")
        }
        let value = String(token.dropLast(suffix.count))
        func number(_ range: ClosedRange<Int>) throws(ImageProcessError) -> Int {
            guard let number = Int(value), range.contains(number) else {
                throw ImageProcessError("token '\(token)': \(value) is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
        func flag() throws(ImageProcessError) -> Bool { try number(0...1) == 1 }
        func list(_ separator: Character, count: Int, _ range: ClosedRange<Int>) throws(ImageProcessError) -> [Int] {
            let parts = value.split(separator: separator, omittingEmptySubsequences: false).compactMap { Int($0) }
            guard parts.count == count, parts.allSatisfy({ range.contains($0) }) else {
                throw ImageProcessError("token '\(token)': expected \(count) numbers in \(range.lowerBound)...\(range.upperBound) separated by '\(separator)'")
            }
            return parts
        }
        switch suffix {
        case "w": width = try number(1...4096)
        case "h": height = try number(1...4096)
        case "e":
            guard let mode = ResizeMode(rawValue: try number(0...4)) else { throw ImageProcessError("token '\(token)': e must be 0, 1, 2 or 4") }
            self.mode = mode
        case "l": limit = try flag()
        case "c": centerCrop = try flag()
        case "p": percent = try number(1...1000)
        case "bgc": background = try list("-", count: 3, 0...255)
        case "a": crop = try list("-", count: 4, 0...65535)
        case "rc":
            guard let x = value.firstIndex(of: "x") else { throw ImageProcessError("token '\(token)': expected WxH-Prc") }
            let size = String(value[..<x])
            let rest = value[value.index(after: x)...].split(separator: "-", omittingEmptySubsequences: false)
            guard let w = Int(size), let h = rest.first.flatMap({ Int($0) }), rest.count == 2, let p = Int(rest[1]),
                (1...4096).contains(w), (1...4096).contains(h), (1...9).contains(p)
            else { throw ImageProcessError("token '\(token)': expected WxH-Prc with W, H in 1...4096 and P in 1...9") }
            regionCrop = [w, h, p]
        case "r": rotate = try number(0...360)
        case "o": orient = try number(0...2)
        case "q": quality = try number(1...100)
        case "Q": absoluteQuality = try number(1...100)
        case "pr": progressive = try flag()
        case "wh": whiteBackground = try flag()
        case "sh": sharpen = try number(50...399)
        case "bl": blur = try list("-", count: 2, 1...50)
        case "b": brightness = try number(-100...100)
        case "d": contrast = try number(-100...100)
        default: throw ImageProcessError("unknown token '\(token)'")
        }
    }

    /// Tokens in one fixed order, so equal transforms render equal strings.
    public var rendered: String {
        func bit(_ value: Bool?) -> String? { value.map { $0 ? "1" : "0" } }
        let pieces: [(String?, String)] = [
            (width.map(String.init), "w"), (height.map(String.init), "h"), (mode.map { String($0.rawValue) }, "e"),
            (bit(limit), "l"), (bit(centerCrop), "c"), (percent.map(String.init), "p"),
            (background.map { $0.map(String.init).joined(separator: "-") }, "bgc"),
            (crop.map { $0.map(String.init).joined(separator: "-") }, "a"),
            (regionCrop.map { "\($0[0])x\($0[1])-\($0[2])" }, "rc"), (rotate.map(String.init), "r"),
            (orient.map(String.init), "o"), (quality.map(String.init), "q"), (absoluteQuality.map(String.init), "Q"),
            (bit(progressive), "pr"), (bit(whiteBackground), "wh"), (sharpen.map(String.init), "sh"),
            (blur.map { $0.map(String.init).joined(separator: "-") }, "bl"), (brightness.map(String.init), "b"),
            (contrast.map(String.init), "d"),
        ]
        let body = pieces.compactMap { value, suffix in value.map { $0 + suffix } }.joined(separator: "_")
        return body + (format.map { ".\($0.rawValue)" } ?? "")
    }
}
