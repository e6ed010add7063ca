/// A `watermark=N&k=v...` action: 1 image, 2 text, 3 both. Text-like values travel as base64
/// (URL-safe or standard, padding optional) and are held decoded here.
public struct Watermark: Sendable, Hashable {
    public var kind: Int
    /// Opacity 0-100.
    public var opacity: Int?
    /// 1-9 on a 3x3 grid, 9 bottom-right.
    public var position: Int?
    public var x: Int?
    public var y: Int?
    public var verticalOffset: Int?
    /// The watermark image: a key in the same bucket, optionally with its own preprocessing.
    public var object: WatermarkObject?
    public var text: String?
    /// Font name, such as `wqy-zenhei`.
    public var font: String?
    /// `#RRGGBB`.
    public var color: String?
    public var size: Int?
    public var shadow: Int?
    public var order: Int?
    public var align: Int?
    public var interval: Int?

    public init(kind: Int) {
        self.kind = kind
    }

    init(parsing text: String) throws(ImageProcessError) {
        var pairs: [(String, String)] = []
        for item in text.split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = item.firstIndex(of: "=") else { throw ImageProcessError("watermark parameter '\(item)' has no '='") }
            pairs.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
        }
        guard let first = pairs.first, first.0 == "watermark", let kind = Int(first.1), (1...3).contains(kind) else {
            throw ImageProcessError("'\(text.prefix(20))': the watermark kind must be 1, 2 or 3")
        }
        self.kind = kind
        for (key, value) in pairs.dropFirst() {
            func number(_ range: ClosedRange<Int>) throws(ImageProcessError) -> Int {
                guard let number = Int(value), range.contains(number) else {
                    throw ImageProcessError("watermark parameter '\(key)=\(value)': not a number in \(range.lowerBound)...\(range.upperBound)")
                }
                return number
            }
            func decoded() throws(ImageProcessError) -> String {
                guard let text = Base64Text.decode(value), !text.isEmpty else {
                    throw ImageProcessError("watermark parameter '\(key)=\(value)': not base64 of UTF-8 text")
                }
                return text
            }
            switch key {
            case "t": opacity = try number(0...100)
            case "p": position = try number(1...9)
            case "x": x = try number(0...4096)
            case "y": y = try number(0...4096)
            case "voffset": verticalOffset = try number(-1000...1000)
            case "object": object = try WatermarkObject(parsing: decoded())
            case "text":
                let value = try decoded()
                guard value.count <= 64 else { throw ImageProcessError("watermark text is longer than 64 characters") }
                self.text = value
            case "type": font = try decoded()
            case "color":
                let value = try decoded()
                guard value.count == 7, value.hasPrefix("#"), UInt32(value.dropFirst(), radix: 16) != nil else {
                    throw ImageProcessError("watermark parameter 'color': \(value) is not #RRGGBB")
                }
                color = value
            case "size": size = try number(1...1000)
            case "s": shadow = try number(1...100)
            case "order": order = try number(0...1)
            case "align": align = try number(0...2)
            case "interval": interval = try number(0...1000)
            default: throw ImageProcessError("unknown watermark parameter '\(key)'")
            }
        }
        if (kind == 2 || kind == 3) && self.text == nil { throw ImageProcessError("a text watermark needs 'text'") }
        if (kind == 1 || kind == 3) && object == nil { throw ImageProcessError("an image watermark needs 'object'") }
    }

    /// Parameters in one fixed order; text values as URL-safe base64 without padding.
    public var rendered: String {
        var parts = ["watermark=\(kind)"]
        func add(_ key: String, _ value: Int?) { if let value { parts.append("\(key)=\(value)") } }
        func add(_ key: String, text value: String?) { if let value { parts.append("\(key)=\(Base64Text.encode(value))") } }
        add("object", text: object?.rendered)
        add("text", text: text)
        add("type", text: font)
        add("color", text: color)
        add("size", size)
        add("t", opacity)
        add("p", position)
        add("x", x)
        add("y", y)
        add("voffset", verticalOffset)
        add("s", shadow)
        add("order", order)
        add("align", align)
        add("interval", interval)
        return parts.joined(separator: "&")
    }
}

/// The `object` parameter of an image watermark: a key in the same bucket, optionally followed by
/// `@` and its own preprocessing, where `NP` scales the watermark to N% of the main image.
public struct WatermarkObject: Sendable, Hashable {
    public var key: String
    public var percentOfMain: Int?
    public var process: ImageProcess?

    public init(key: String, percentOfMain: Int? = nil, process: ImageProcess? = nil) {
        self.key = key
        self.percentOfMain = percentOfMain
        self.process = process
    }

    public init(parsing text: String) throws(ImageProcessError) {
        guard let at = text.lastIndex(of: "@") else {
            self.init(key: text)
            return
        }
        let key = String(text[..<at])
        guard !key.isEmpty else { throw ImageProcessError("watermark object '\(text)' names no key") }
        var percentOfMain: Int?
        var rest: [Substring] = []
        for token in text[text.index(after: at)...].split(separator: "_", omittingEmptySubsequences: false) {
            if token.hasSuffix("P"), let percent = Int(token.dropLast()) {
                guard (1...100).contains(percent) else {
                    throw ImageProcessError("watermark object token '\(token)': P must be 1...100")
                }
                percentOfMain = percent
            } else {
                rest.append(token)
            }
        }
        let process = rest.isEmpty ? nil : try ImageProcess(parsing: rest.joined(separator: "_"))
        self.init(key: key, percentOfMain: percentOfMain, process: process)
    }

    public var rendered: String {
        var suffix: [String] = []
        if let percentOfMain { suffix.append("\(percentOfMain)P") }
        if let process { suffix.append(process.rendered) }
        return suffix.isEmpty ? key : key + "@" + suffix.joined(separator: "_")
    }
}

/// Base64 of UTF-8 text as the grammar uses it: written URL-safe without padding; read in either
/// alphabet, with or without padding.
public enum Base64Text {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let b0 = chunk[chunk.startIndex]
            let b1 = chunk.count > 1 ? chunk[chunk.startIndex + 1] : 0
            let b2 = chunk.count > 2 ? chunk[chunk.startIndex + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            if chunk.count > 1 { out.append(alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)]) }
            if chunk.count > 2 { out.append(alphabet[Int(b2 & 0x3F)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text, or nil when `value` is not base64 of valid UTF-8.
    public static func decode(_ value: String) -> String? {
        var sextets: [UInt8] = []
        var padding = 0
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextets.append(byte - 65)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): sextets.append(byte - 71)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sextets.append(byte + 4)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): sextets.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): sextets.append(63)
            case UInt8(ascii: "="): padding += 1
            default: return nil
            }
            if padding > 0 && byte != UInt8(ascii: "=") { return nil }
        }
        guard padding <= 2, sextets.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < sextets.count {
            let group = Array(sextets[index..<min(index + 4, sextets.count)])
            bytes.append(group[0] << 2 | group[1] >> 4)
            if group.count > 2 { bytes.append((group[1] & 0x0F) << 4 | group[2] >> 2) }
            if group.count > 3 { bytes.append((group[2] & 0x03) << 6 | group[3]) }
            index += 4
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
