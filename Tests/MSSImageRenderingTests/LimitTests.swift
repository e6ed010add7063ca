import Foundation
import MSSImageProcess
import Testing

@testable import MSSImageRendering

/// Every image a render would build is sized first and refused past the pixel limit, whatever
/// kind it is; a render past its time limit is stopped inside libvips; no value, parsed or
/// built, makes the renderer trap.
@Suite("Pixel and time limits")
struct LimitTests {
    let fixtures: LimitFixtures

    init() throws {
        fixtures = try LimitFixtures()
    }

    private func render(
        _ process: String, source: String, limits: ImageRenderer.Limits = .init(), files: [String: String] = [:]
    ) throws -> RenderedImage {
        try ImageRenderer(limits: limits).render(sourcePath: source, process: ImageProcess(parsing: process), watermarkFiles: files)
    }

    /// The tooLarge message for `process`, or nil (with an issue recorded) when it was not refused so.
    private func refusal(
        _ process: String, source: String, limits: ImageRenderer.Limits = .init(), files: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String? {
        do {
            let image = try render(process, source: source, limits: limits, files: files)
            Issue.record("\(process) rendered \(image.width)x\(image.height) instead of being refused", sourceLocation: sourceLocation)
        } catch ImagingError.tooLarge(let message) {
            return message
        } catch {
            Issue.record("\(process) failed with \(error), not tooLarge", sourceLocation: sourceLocation)
        }
        return nil
    }

    private func b64(_ text: String) -> String { Base64Text.encode(text) }

    @Test func resizeTo16384SquareIsRefusedByPixelsThoughEdgesAllowIt() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        // 4096 x 400 % = 16384 a side: inside the edge limit, 268 Mpx (1 GiB at four bands) in all.
        let message = refusal("4096w_4096h_2e_400p", source: source)
        #expect(message?.contains("16384x16384") == true && message?.contains("50000000") == true, "\(message ?? "")")
        #expect(ImageRenderer.Limits().maximumEdge >= 16384)
    }

    @Test func padCanvasIsPlannedBeforeItIsBuilt() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        // The resize (1000x500) fits 600,000 pixels; the 1000x1000 canvas it is padded onto does not.
        let message = refusal("1000w_1000h_4e", source: source, limits: .init(maximumPixels: 600_000))
        #expect(message?.contains("padded canvas") == true && message?.contains("1000x1000") == true, "\(message ?? "")")
        #expect(message?.contains("600000") == true)
        let padded = try render("1000w_1000h_4e.png", source: source, limits: .init(maximumPixels: 1_000_000))
        #expect((padded.width, padded.height) == (1000, 1000))
    }

    @Test func rotatingABigImageBy45DegreesIsRefusedBeforeDecoding() throws {
        // 20 Mpx is a legal source; turned 45 degrees its box is about 14850 px square, 220 Mpx.
        let source = try fixtures.flatPNG("long.png", width: 20_000, height: 1_000)
        let started = ContinuousClock.now
        let message = refusal("45r", source: source)
        #expect(message?.contains("rotated image") == true && message?.contains("50000000") == true, "\(message ?? "")")
        // Refused from the header alone: no time to decode 20 Mpx, let alone turn them.
        #expect(ContinuousClock.now - started < .seconds(2))
        let small = try fixtures.flatPNG("small.png", width: 400, height: 200)
        #expect(refusal("45r", source: small, limits: .init(maximumPixels: 100_000))?.contains("rotated image") == true)
    }

    @Test func giantTextWatermarksAreRefusedBeforeTheMaskIsDrawn() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        // About 6600x1200 at 1000 px: inside the edge limit, past two million pixels.
        let wide = refusal("watermark=2&text=\(b64("hello, world"))&size=1000", source: source, limits: .init(maximumPixels: 2_000_000))
        #expect(wide?.contains("watermark text at 1000 px") == true && wide?.contains("2000000") == true, "\(wide ?? "")")
        // Line breaks grow the mask downwards, which no character count bounds.
        let tall = String(repeating: "\n", count: 40) + "x"
        #expect(refusal("watermark=2&text=\(b64(tall))&size=1000", source: source)?.contains("watermark text") == true)
        // 64 wide glyphs at 1000 px: 64,000 px across.
        let cjk = String(repeating: "你", count: 64)
        #expect(refusal("watermark=2&text=\(b64(cjk))&size=1000", source: source)?.contains("watermark text") == true)
        // A modest one still renders.
        let fine = try render("watermark=2&text=\(b64("hello, world"))&size=100", source: source, limits: .init(maximumPixels: 2_000_000))
        #expect((fine.width, fine.height) == (400, 200))
    }

    @Test func shadowedTextCanvasIsChecked() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        // The shadow canvas is the mask plus size/20 each way; sized to fit the mask, not the shadow.
        let plain = try render("watermark=2&text=\(b64("hello"))&size=200", source: source)
        #expect(plain.width == 400)
        let message = refusal(
            "watermark=2&text=\(b64("hello"))&size=200&s=50", source: source, limits: .init(maximumPixels: 200_000))
        #expect(message != nil, "\(message ?? "")")
    }

    @Test func imageAndTextSideBySideIsCheckedAsOneCanvas() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        let logo = try fixtures.flatPNG("logo.png", width: 300, height: 300)
        let files = ["logo.png": logo]
        let both = "watermark=3&object=\(b64("logo.png"))&text=\(b64("hello"))&size=200"
        // Each part fits 500,000 pixels; 300 + 1000 + the text's width by 300 does not.
        let message = refusal(both + "&interval=1000", source: source, limits: .init(maximumPixels: 500_000), files: files)
        #expect(message?.contains("combined image and text watermark") == true && message?.contains("500000") == true, "\(message ?? "")")
        let side = try render(both, source: source, limits: .init(maximumPixels: 500_000), files: files)
        #expect((side.width, side.height) == (400, 200))
    }

    @Test func watermarkObjectsOwnProcessIsCheckedToo() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        let logo = try fixtures.flatPNG("logo.png", width: 300, height: 300)
        // The logo padded onto a 4096 x 1000 % canvas before it is scaled down to 50 % of the main image.
        let object = b64("logo.png@4096w_4096h_4e_1000p_50P")
        let message = refusal("watermark=1&object=\(object)", source: source, files: ["logo.png": logo])
        #expect(message?.contains("40960") == true, "\(message ?? "")")
    }

    /// Every value at the edge of its range, on a small image: each renders or fails with an
    /// ImagingError, none traps.
    @Test func extremeValuesInsideTheGrammarNeverTrap() throws {
        let source = try fixtures.flatPNG("tiny.png", width: 40, height: 20)
        let logo = try fixtures.flatPNG("logo.png", width: 30, height: 30)
        let processes = [
            "4096w_4096h_1e_1c_1000p", "4096w_1h_2e_1000p", "1w_4096h_0e_1000p", "1w_1h_4e_1p", "4096w_4096h_4e_0-0-0bgc",
            "65535-65535-65535-65535a", "0-0-65535-65535a", "4096x4096-9rc", "1x1-1rc_360r", "359r_399sh_50-50bl",
            "100b_-100d_1Q_1pr_1wh", "-100b_100d_100q.gif", "1000p_1l_2o", "1000p|1000p|1000p|1000p",
            "watermark=2&text=\(b64(String(repeating: "W", count: 64)))&size=1&x=4096&y=4096&voffset=-1000&p=5&s=100",
            "watermark=2&text=\(b64("x"))&size=1000&voffset=1000&p=6&t=0",
            "watermark=3&object=\(b64("logo.png@1000p_100P"))&text=\(b64("x"))&interval=1000&order=1&align=2",
            "watermark=1&object=\(b64("logo.png@4096w_4096h_2e_1P"))&x=4096&y=0&p=1",
        ]
        for process in processes {
            do {
                _ = try render(process, source: source, files: ["logo.png": logo])
            } catch {
                // Refusals are fine; what matters is that the process is still running to see them.
                #expect(error is ImagingError, "\(process): \(error)")
            }
        }
    }

    @Test func valuesBuiltOutsideTheGrammarAreRefusedNotTrapped() throws {
        let source = try fixtures.flatPNG("tiny.png", width: 40, height: 20)
        var crop = Transform()
        crop.crop = [0, 0, Int.min, Int.max]
        var huge = Transform()
        huge.width = Int.max
        huge.percent = Int.max
        var mark = Watermark(kind: 2)
        mark.text = "x"
        mark.size = Int.max
        mark.interval = Int.min
        for process in [ImageProcess(actions: [.transform(crop)]), ImageProcess(actions: [.transform(huge)]), ImageProcess(actions: [.watermark(mark)])] {
            #expect(throws: ImagingError.self) { try ImageRenderer().render(sourcePath: source, process: process) }
            do {
                _ = try ImageRenderer().render(sourcePath: source, process: process)
            } catch ImagingError.invalidProcess {
            } catch {
                Issue.record("\(process.actions) failed with \(error), not invalidProcess")
            }
        }
    }

    // MARK: Time

    @Test func aTinyDeadlineStopsTheRender() throws {
        let source = try fixtures.flatPNG("small.png", width: 400, height: 200)
        #expect(throws: ImagingError.self) { try self.render("30r", source: source, limits: .init(renderTimeout: .microseconds(1))) }
        do {
            _ = try render("30r", source: source, limits: .init(renderTimeout: .microseconds(1)))
        } catch ImagingError.tooSlow(let message) {
            #expect(message.contains("processing took longer than"), "\(message)")
        }
        let normal = try render("30r", source: source)
        #expect(normal.width > 400)
    }

    /// A blur of sigma 50 over 6 Mpx of noise takes libvips many seconds; the deadline kills it
    /// inside the encoder, in every output format, soon after the limit.
    @Test func theDeadlineStopsLibvipsWhileItEncodes() throws {
        let source = try fixtures.noiseJPEG("noise.jpg", width: 3000, height: 2000)
        for suffix in ["", ".png", ".webp", ".gif", ".bmp"] {
            let started = ContinuousClock.now
            do {
                let image = try render("50-50bl" + suffix, source: source, limits: .init(renderTimeout: .milliseconds(300)))
                Issue.record("50-50bl\(suffix) finished (\(image.width)x\(image.height)) in \(ContinuousClock.now - started)")
            } catch ImagingError.tooSlow(let message) {
                #expect(message.contains("0.3 s"), "\(message)")
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(3), "50-50bl\(suffix) took \(elapsed) to stop")
        }
        // The same source with light work finishes well inside the default limit.
        let light = try render("3-2bl_500w", source: source)
        #expect(light.width == 500)
    }
}
