import Foundation
import MSSImageProcess
import Testing

@testable import MSSImageRendering

/// When a source is decoded shrunk, and that the shrunk decode changes neither the geometry nor,
/// visibly, the pixels. A PNG copy of the same pixels (PNG has no shrink-on-load) is the full
/// decode to compare against; ImageMagick, an independent decoder, reads and compares both.
@Suite("Shrink-on-load and sequential decoding")
struct ShrinkOnLoadTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mss-shrink-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    // MARK: Plans

    private func plan(_ text: String, _ format: SourceFormat = .jpeg, _ width: Int = 2000, _ height: Int = 1500, orientation: Int = 1) throws
        -> LoadPlan
    {
        LoadPlan(process: try ImageProcess(parsing: text), format: format, width: width, height: height, orientation: orientation)
    }

    @Test func shrinksOnlyWhenTheFirstStepDownscalesByTwoOrMore() throws {
        #expect(try plan("800w_600h").shrink == 2)  // 2.5x
        #expect(try plan("1000w").shrink == 2)  // exactly 2x
        #expect(try plan("1001w").shrink == 1)  // just under 2x
        #expect(try plan("1500w").shrink == 1)
        #expect(try plan("500w").shrink == 4)
        #expect(try plan("100w_100h_1e_1c").shrink == 8)  // 15x
        #expect(try plan("10p").shrink == 8)
        #expect(try plan("50p").shrink == 2)
        #expect(try plan("4000w_1l").shrink == 1)  // `l` keeps the size
        #expect(try plan("90r").shrink == 1)  // no resize at all
        #expect(try plan("800w|30r").shrink == 2)  // only the first step counts
    }

    @Test func theAxisThatShrinksLeastDecides() throws {
        #expect(try plan("1900w_100h_2e").shrink == 1)  // width barely shrinks
        #expect(try plan("500w_3000h_2e").shrink == 1)  // height grows
        #expect(try plan("250w_375h_2e").shrink == 4)
    }

    @Test func noShrinkUnderSourceCropsWatermarksOrFormatsWithoutIt() throws {
        #expect(try plan("0-0-1000-1000a_100w").shrink == 1)
        #expect(try plan("500x500-5rc_100w").shrink == 1)
        #expect(try plan("watermark=2&text=aGk|100w").shrink == 1)
        #expect(try plan("100w", .png).shrink == 1)
        #expect(try plan("100w", .gif).shrink == 1)
        #expect(try plan("100w", .bmp).shrink == 1)
        #expect(try plan("100w", .webp).shrink == 8)
    }

    @Test func autoOrientBeforeTheResizePlansOnTheTurnedImage() throws {
        // Stored 2000x1000, shown 1000x2000: 500 wide is half the shown width, a quarter of the stored one.
        #expect(try plan("500w_2o", .jpeg, 2000, 1000, orientation: 6).shrink == 2)
        #expect(try plan("500w_2o", .jpeg, 2000, 1000, orientation: 1).shrink == 4)
        // `1o` turns after the resize, which plans on the stored image.
        #expect(try plan("500w_1o", .jpeg, 2000, 1000, orientation: 6).shrink == 4)
    }

    @Test func turnsNeedTheWholeImageEverythingElseStreams() throws {
        #expect(try plan("800w_600h").sequential)
        #expect(try plan("100w_100h_1e_1c|watermark=2&text=aGk|80Q").sequential)
        #expect(try plan("10-10-100-100a_150sh_50b_20d").sequential)
        #expect(try plan("360r").sequential)
        #expect(try !plan("30r").sequential)
        #expect(try !plan("800w|90r").sequential)
        #expect(try plan("800w_2o", orientation: 1).sequential)
        #expect(try !plan("800w_2o", orientation: 6).sequential)
    }

    // MARK: Renders

    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile() + err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // `compare` exits 1 when the images differ at all, which is expected here.
        try #require(process.terminationStatus <= 1, "\(arguments.joined(separator: " ")) failed")
        return String(decoding: output, as: UTF8.self)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A 2000x1500 JPEG with detail at every scale, and a PNG of exactly its decoded pixels.
    private func sources() throws -> (jpeg: String, png: String) {
        let jpeg = path("photo.jpg"), png = path("photo.png")
        try run(["convert", "-seed", "7", "-size", "2000x1500", "plasma:red-blue", "-quality", "90", jpeg])
        try run(["convert", jpeg, png])
        return (jpeg, png)
    }

    private func write(_ image: RenderedImage, _ name: String) throws -> String {
        try Data(image.bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    private func render(_ process: String, _ source: String) throws -> RenderedImage {
        try ImageRenderer().render(sourcePath: source, process: ImageProcess(parsing: process))
    }

    @Test(arguments: ["800w_600h", "1000w", "250w", "100w_100h_1e_1c", "50p", "333w_250h_2e", "300w_300h_4e", "640h_1e"])
    func shrunkDecodesMatchFullOnesInSizeAndPixels(process: String) throws {
        let (jpeg, png) = try sources()
        let shrunk = try write(render(process + ".png", jpeg), "shrunk.png")
        let whole = try write(render(process + ".png", png), "whole.png")
        let sizes = try run(["identify", "-format", "%w %h\n", shrunk, whole]).split(separator: "\n")
        #expect(sizes.count == 2 && sizes[0] == sizes[1], "\(process): \(sizes)")
        let psnr = try run(["compare", "-metric", "PSNR", shrunk, whole, "null:"])
        let decibels = Double(psnr.split(separator: " ").first ?? "") ?? (psnr.hasPrefix("inf") ? .infinity : 0)
        #expect(decibels >= 35, "\(process): PSNR \(psnr)")
    }

    /// `s` with an EXIF APP1 segment that says `orientation`, inserted after the SOI marker.
    private func withOrientation(_ source: String, _ orientation: UInt8, _ name: String) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
        let body = Array("Exif".utf8) + [0, 0] + tiff
        let length = body.count + 2
        bytes.insert(contentsOf: [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body, at: 2)
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    @Test func exifOrientationIsStillHonouredWhenShrunk() throws {
        let (jpeg, _) = try sources()
        let turned = try withOrientation(jpeg, 6, "turned.jpg")
        // Shown upright the source is 1500x2000: 500 wide is a third of it, 667 high.
        let sizes = try run(["identify", "-format", "%w %h\n", try write(render("500w_2o.png", turned), "a.png")])
        #expect(sizes == "500 667\n")
        // Without `o` the stored orientation is ignored, as before.
        let stored = try run(["identify", "-format", "%w %h\n", try write(render("500w.png", turned), "b.png")])
        #expect(stored == "500 375\n")
        // `1o` turns after the resize of the stored image.
        let after = try run(["identify", "-format", "%w %h\n", try write(render("500w_1o.png", turned), "c.png")])
        #expect(after == "375 500\n")
        // A turn and a resize together read the decode out of order: the plan must not stream it.
        let both = try run(["identify", "-format", "%w %h\n", try write(render("500w_2o|90r.png", turned), "d.png")])
        #expect(both == "667 500\n")
    }

    @Test(arguments: ["png", "gif", "bmp", "webp"])
    func otherSourceFormatsStillRenderCorrectly(format: String) throws {
        let source = path("source.\(format)")
        try run(["convert", "-size", "800x600", "gradient:red-blue", "\(format):\(source)"])
        for (process, size) in [("100w", "100 75"), ("100w_100h_1e_1c", "100 100"), ("400w|90r", "300 400"), ("0-0-400-300a_200w", "200 150")] {
            let out = try write(render(process + ".png", source), "out-\(format).png")
            #expect(try run(["identify", "-format", "%w %h", out]) == size, "\(format) \(process)")
        }
    }
}
