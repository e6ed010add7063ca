import MSSImageProcess
import Testing

@Suite struct ImageProcessTests {
    @Test func seedExamplesRoundTrip() throws {
        for text in ["30r", "watermark=2&text=aGVsbG8sIHdvcmxk", "100w_100h_1e_1c", "50p", "90Q.png", "100w_100h_4e_255-0-0bgc", "30r|.png"] {
            #expect(try ImageProcess(parsing: text).rendered == text, "\(text)")
        }
        let rotate = try ImageProcess(parsing: "30r")
        #expect(rotate.actions == [.transform({ var t = Transform(); t.rotate = 30; return t }())])
        let watermark = try ImageProcess(parsing: "watermark=2&text=aGVsbG8sIHdvcmxk")
        guard case .watermark(let mark)? = watermark.actions.first else {
            Issue.record("not a watermark")
            return
        }
        #expect(mark.kind == 2)
        #expect(mark.text == "hello, world")
    }

    @Test func builderRendersTheStringForm() {
        let process = ImageProcess().resize(width: 100, height: 100, mode: .shortEdge).centerCrop().rotate(30)
            .watermark(text: "hello")
        #expect(process.rendered == "100w_100h_1e_1c_30r|watermark=2&text=aGVsbG8")
        #expect(ImageProcess().rotate(90).format(.png).quality(80).rendered == "90r_80q.png")
    }

    @Test func base64AcceptsBothAlphabetsAndOptionalPadding() throws {
        // "d3F5LW1pY3JvaGVp" is wqy-microhei; "??>" gives '+' and '/' in standard base64.
        #expect(Base64Text.decode("d3F5LW1pY3JvaGVp") == "wqy-microhei")
        #expect(Base64Text.decode("Pz8-") == "??>")
        #expect(Base64Text.decode("Pz8+") == "??>")
        #expect(Base64Text.decode("aGk=") == "hi")
        #expect(Base64Text.decode("aGk") == "hi")
        #expect(Base64Text.decode("a") == nil)
        #expect(Base64Text.decode("a=b") == nil)
        let padded = try ImageProcess(parsing: "watermark=2&text=aGk=&color=IzAwMDBGRg==&type=d3F5LXplbmhlaQ")
        guard case .watermark(let mark)? = padded.actions.first else {
            Issue.record("not a watermark")
            return
        }
        #expect(mark.text == "hi" && mark.color == "#0000FF" && mark.font == "wqy-zenhei")
        #expect(padded.rendered == "watermark=2&text=aGk&type=d3F5LXplbmhlaQ&color=IzAwMDBGRg")
    }

    @Test func malformedStringsNameTheBadToken() {
        let cases: [(String, String)] = [
            ("", "empty"), ("30x", "30x"), ("5000w", "5000w"), ("3e", "3e"), ("100w_abch", "abch"), ("30r.tiff", ".tiff"),
            ("1r|2r|3r|4r|5r", "at most 4"), ("watermark=4&text=aGk", "kind"), ("watermark=2", "needs 'text'"),
            ("watermark=2&text=!!", "text=!!"), ("watermark=2&text=aGk&p=10", "p=10"), ("watermark=2&text=aGk&zz=1", "zz"),
            ("1-2-3a", "1-2-3a"), ("100x100-12rc", "100x100-12rc"), ("watermark=1", "object"),
        ]
        for (text, needle) in cases {
            do {
                _ = try ImageProcess(parsing: text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.message.contains(needle), "'\(text)': \(error.message)")
            }
        }
    }

    /// parse(render(x)) == x over random processes.
    @Test func renderThenParseIsIdentity() throws {
        var generator = SystemRandomNumberGenerator()
        func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &generator) ? make() : nil }
        for _ in 0..<500 {
            var actions: [ImageAction] = []
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                if Int.random(in: 0..<3, using: &generator) == 0 {
                    var mark = Watermark(kind: Int.random(in: 1...3, using: &generator))
                    if mark.kind != 1 { mark.text = String((0..<Int.random(in: 1...20)).map { _ in "aé你好 ,?/+=".randomElement()! }) }
                    if mark.kind != 2 { mark.object = WatermarkObject(key: "logo/\(Int.random(in: 0...99)).png") }
                    mark.font = maybe { ["wqy-zenhei", "wqy-microhei"].randomElement()! }
                    mark.color = maybe { "#12AB" + String(Int.random(in: 10...99)) }
                    mark.size = maybe { Int.random(in: 1...1000) }
                    mark.opacity = maybe { Int.random(in: 0...100) }
                    mark.position = maybe { Int.random(in: 1...9) }
                    mark.x = maybe { Int.random(in: 0...4096) }
                    mark.y = maybe { Int.random(in: 0...4096) }
                    mark.verticalOffset = maybe { Int.random(in: -1000...1000) }
                    mark.shadow = maybe { Int.random(in: 1...100) }
                    actions.append(.watermark(mark))
                } else {
                    var t = Transform()
                    t.width = maybe { Int.random(in: 1...4096) }
                    t.height = maybe { Int.random(in: 1...4096) }
                    t.mode = maybe { ResizeMode.allCases.randomElement()! }
                    t.limit = maybe { Bool.random() }
                    t.centerCrop = maybe { Bool.random() }
                    t.percent = maybe { Int.random(in: 1...1000) }
                    t.background = maybe { [Int.random(in: 0...255), Int.random(in: 0...255), Int.random(in: 0...255)] }
                    t.crop = maybe { [Int.random(in: 0...500), Int.random(in: 0...500), Int.random(in: 0...500), Int.random(in: 0...500)] }
                    t.regionCrop = maybe { [Int.random(in: 1...4096), Int.random(in: 1...4096), Int.random(in: 1...9)] }
                    t.rotate = maybe { Int.random(in: 0...360) }
                    t.orient = maybe { Int.random(in: 0...2) }
                    t.quality = maybe { Int.random(in: 1...100) }
                    t.absoluteQuality = maybe { Int.random(in: 1...100) }
                    t.progressive = maybe { Bool.random() }
                    t.whiteBackground = maybe { Bool.random() }
                    t.sharpen = maybe { Int.random(in: 50...399) }
                    t.blur = maybe { [Int.random(in: 1...50), Int.random(in: 1...50)] }
                    t.brightness = maybe { Int.random(in: -100...100) }
                    t.contrast = maybe { Int.random(in: -100...100) }
                    t.format = maybe { ImageFormat.allCases.randomElement()! }
                    if t.rendered.isEmpty { t.rotate = 0 }
                    actions.append(.transform(t))
                }
            }
            let process = ImageProcess(actions: actions)
            let parsed = try ImageProcess(parsing: process.rendered)
            #expect(parsed == process, "\(process.rendered)")
            #expect(parsed.rendered == process.rendered)
        }
    }
}

@Suite struct WatermarkBuilderTests {
    @Test func imageWatermarkRendersItsObjectAsBase64() throws {
        let process = ImageProcess().resize(width: 300).watermark(
            image: WatermarkObject(key: "logo.png", percentOfMain: 20), opacity: 60, position: 3)
        // "logo.png@20P", URL-safe base64 without padding.
        #expect(process.rendered == "300w|watermark=1&object=bG9nby5wbmdAMjBQ&t=60&p=3")
        #expect(try ImageProcess(parsing: process.rendered) == process)
        guard case .watermark(let mark) = process.actions[1] else {
            Issue.record("no watermark action")
            return
        }
        #expect(mark.object == WatermarkObject(key: "logo.png", percentOfMain: 20))
    }

    @Test func objectPreprocessingIsChecked() {
        #expect(throws: ImageProcessError.self) { try WatermarkObject(parsing: "logo.png@200P") }
        #expect(throws: ImageProcessError.self) { try WatermarkObject(parsing: "@30P") }
        #expect(throws: ImageProcessError.self) { try WatermarkObject(parsing: "logo.png@30x") }
        #expect((try? WatermarkObject(parsing: "a@b.png@30P_100w"))?.key == "a@b.png")
    }
}
