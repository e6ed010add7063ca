/// Estimates the quality a JPEG was saved with from its luminance quantisation table, inverting
/// the IJG scaling that libjpeg, libvips and most encoders use. The relative quality token `q`
/// scales this figure.
enum JPEGQuality {
    /// The IJG luminance table at quality 50, in zig-zag order as DQT segments store it.
    private static let standardLuminance: [Int] = [
        16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60,
        57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112,
        100, 120, 92, 101, 103, 99,
    ]

    /// The estimated quality 1-100, or nil when `bytes` holds no 8-bit table 0 before the image data.
    static func estimate(_ bytes: [UInt8]) -> Int? {
        var index = 2
        while index + 4 <= bytes.count, bytes[index] == 0xFF {
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length >= 2 else { return nil }
            if marker == 0xDA { return nil }
            if marker == 0xDB {
                var table = index + 4
                let end = min(index + 2 + length, bytes.count)
                while table < end {
                    let precision = bytes[table] >> 4
                    let id = bytes[table] & 0x0F
                    let size = precision == 0 ? 64 : 128
                    guard table + 1 + size <= end else { return nil }
                    if id == 0 && precision == 0 {
                        return quality(fromTable: bytes[(table + 1)..<(table + 65)].map(Int.init))
                    }
                    table += 1 + size
                }
            }
            index += 2 + length
        }
        return nil
    }

    static func quality(fromTable table: [Int]) -> Int {
        let ratios = zip(table, standardLuminance).map { Double($0) * 100 / Double($1) }
        let scale = ratios.reduce(0, +) / Double(ratios.count)
        let quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale
        return min(100, max(1, Int(quality.rounded())))
    }
}
