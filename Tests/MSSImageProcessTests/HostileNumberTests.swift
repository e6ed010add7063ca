import MSSImageProcess
import Testing

/// Numbers no client should send: every token and watermark parameter with values past any
/// range, huge, negative or malformed. Parsing must refuse them or keep every value inside the
/// grammar's ranges, which is what the renderer's arithmetic relies on; nothing may trap.
@Suite struct HostileNumberTests {
    /// The grammar's ranges, as the documentation states them; a parsed value outside one is a bug.
    static let transformRanges: [String: ClosedRange<Int>] = [
        "w": 1...4096, "h": 1...4096, "e": 0...4, "l": 0...1, "c": 0...1, "p": 1...1000, "r": 0...360, "o": 0...2,
        "q": 1...100, "Q": 1...100, "pr": 0...1, "wh": 0...1, "sh": 50...399, "b": -100...100, "d": -100...100,
    ]
    static let watermarkRanges: [String: ClosedRange<Int>] = [
        "t": 0...100, "p": 1...9, "x": 0...4096, "y": 0...4096, "voffset": -1000...1000, "size": 1...1000, "s": 1...100,
        "order": 0...1, "align": 0...2, "interval": 0...1000,
    ]
    static let hostile = [
        "99999999", "100000000000000000000", "-100000000000000000000", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-1", "0", "4097", "1e9", "0x10", "", "+", "-", "１２",
    ]
    /// A valid text watermark to hang numeric parameters on: "hi".
    static let text = "watermark=2&text=aGk"

    @Test func everyTransformTokenWithHostileNumbersIsRefusedOrBounded() {
        let listTokens = ["bgc": 3, "a": 4, "bl": 2]
        for value in Self.hostile {
            for (suffix, range) in Self.transformRanges {
                let token = value + suffix
                guard let process = try? ImageProcess(parsing: token) else { continue }
                // Only in-range values may parse ("0" for flags, "-1" for b/d ...).
                #expect(Int(value).map(range.contains) == true, "\(token) parsed")
                #expect(process.actions.count == 1)
            }
            for (suffix, count) in listTokens {
                let token = Array(repeating: value, count: count).joined(separator: "-") + suffix
                let mixed = (["1"] + Array(repeating: value, count: count - 1)).joined(separator: "-") + suffix
                for text in [token, mixed] {
                    if let process = try? ImageProcess(parsing: text), case .transform(let t)? = process.actions.first {
                        let values = t.background ?? t.crop ?? t.blur ?? []
                        #expect(values.allSatisfy { (-100...65535).contains($0) }, "\(text)")
                    }
                }
            }
            for text in ["\(value)x1-1rc", "1x\(value)-1rc", "1x1-\(value)rc", "\(value)x\(value)-\(value)rc"] {
                if let process = try? ImageProcess(parsing: text), case .transform(let t)? = process.actions.first {
                    #expect(t.regionCrop.map { $0[0] <= 4096 && $0[1] <= 4096 && (1...9).contains($0[2]) } == true, "\(text)")
                }
            }
        }
    }

    @Test func everyWatermarkParameterWithHostileNumbersIsRefusedOrBounded() {
        for value in Self.hostile {
            for (key, range) in Self.watermarkRanges {
                let text = "\(Self.text)&\(key)=\(value)"
                guard (try? ImageProcess(parsing: text)) != nil else { continue }
                #expect(Int(value).map(range.contains) == true, "\(text) parsed")
            }
            #expect((try? ImageProcess(parsing: "watermark=\(value)&text=aGk")) == nil || value == "", "kind \(value)")
            // NP inside a watermark object's own process: "k@<value>P" in base64.
            let object = Base64Text.encode("k@\(value)P")
            if let process = try? ImageProcess(parsing: "watermark=1&object=\(object)"),
                case .watermark(let mark)? = process.actions.first
            {
                #expect(mark.object?.percentOfMain.map { (1...100).contains($0) } ?? true, "\(value)P")
            }
        }
    }

    /// Random tokens of random digits: nothing traps, and whatever parses renders back to itself.
    @Test func randomNumericTokensNeverTrap() throws {
        var generator = SystemRandomNumberGenerator()
        let suffixes = Array(Self.transformRanges.keys) + ["bgc", "a", "bl", "rc", "x"]
        for _ in 0..<5_000 {
            let digits = Int.random(in: 1...25, using: &generator)
            let number = (Bool.random(using: &generator) ? "-" : "")
                + String((0..<digits).map { _ in "0123456789".randomElement(using: &generator)! })
            let pieces = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                let suffix = suffixes.randomElement(using: &generator)!
                let repeats = ["bgc": 3, "a": 4, "bl": 2][suffix] ?? 1
                return Array(repeating: number, count: repeats).joined(separator: "-") + suffix
            }
            let text = pieces.joined(separator: "_")
            if let process = try? ImageProcess(parsing: text) {
                #expect(try ImageProcess(parsing: process.rendered) == process, "\(text)")
            }
        }
    }

    /// A process built in code can hold any Int; `validate` applies the parser's ranges to it.
    @Test func validateRefusesBuiltValuesOutsideTheGrammar() throws {
        try ImageProcess().resize(width: 4096, height: 4096).scale(percent: 1000).rotate(360).validate()
        try ImageProcess().validate()
        #expect(throws: ImageProcessError.self) { try ImageProcess().resize(width: Int.max).validate() }
        #expect(throws: ImageProcessError.self) { try ImageProcess().scale(percent: Int.min).validate() }
        #expect(throws: ImageProcessError.self) { try ImageProcess().rotate(-1).validate() }
        #expect(throws: ImageProcessError.self) { try ImageProcess().watermark(text: "x", size: 1_000_000_000).validate() }
        var crop = Transform()
        crop.crop = [0, 0, Int.min, Int.max]
        #expect(throws: ImageProcessError.self) { try ImageProcess(actions: [.transform(crop)]).validate() }
        var mark = Watermark(kind: 3)
        mark.text = "x"
        mark.object = WatermarkObject(key: "logo.png", percentOfMain: 10_000)
        #expect(throws: ImageProcessError.self) { try ImageProcess(actions: [.watermark(mark)]).validate() }
        mark.object = WatermarkObject(key: "logo.png", percentOfMain: 50)
        mark.interval = Int.max
        #expect(throws: ImageProcessError.self) { try ImageProcess(actions: [.watermark(mark)]).validate() }
        let tooMany = ImageProcess(actions: Array(repeating: .transform({ var t = Transform(); t.rotate = 1; return t }()), count: 5))
        #expect(throws: ImageProcessError.self) { try tooMany.validate() }
    }
}
