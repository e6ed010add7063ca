import Foundation
import MSSImageProcess
import Synchronization
import Testing

@testable import MSSImageRendering

/// Renders with libvips and reads the result back with ImageMagick's `identify`, an independent
/// decoder. Sources are drawn by ImageMagick too.
@Suite("Rendering with libvips")
struct RenderTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mss-imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Runs an ImageMagick command and returns what it printed.
    @discardableResult
    private func magick(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
        return String(decoding: output, as: UTF8.self)
    }

    /// A 400x200 JPEG at quality 90: white, with a red block in the top-left corner.
    private func source(_ name: String = "source.jpg", format: String = "") throws -> String {
        let path = directory.appendingPathComponent(name).path
        try magick(["convert", "-size", "400x200", "xc:white", "-fill", "red", "-draw", "rectangle 0,0 39,19", "-quality", "90", format + path])
        return path
    }

    private func identify(_ image: RenderedImage) throws -> String {
        let path = directory.appendingPathComponent("out-\(UUID().uuidString)").path
        try Data(image.bytes).write(to: URL(fileURLWithPath: path))
        return try magick(["identify", "-format", "%m %w %h", path])
    }

    private func render(_ process: String, source path: String? = nil, limits: ImageRenderer.Limits = .init()) throws -> RenderedImage {
        try ImageRenderer(limits: limits).render(sourcePath: path ?? source(), process: ImageProcess(parsing: process))
    }

    @Test func resizeAndFormatSuffix() throws {
        #expect(try identify(render("100w")) == "JPEG 100 50")
        #expect(try identify(render("100w_100h_1e_1c.png")) == "PNG 100 100")
        #expect(try identify(render("100w_100h_4e.webp")) == "WEBP 100 100")
        #expect(try identify(render("50p.gif")) == "GIF 200 100")
        #expect(try identify(render("30w_70h_2e.bmp")) == "BMP 30 70")
    }

    @Test func srcKeepsTheSourceFormat() throws {
        let png = try source("source.png", format: "png:")
        let rendered = try render("50p.src", source: png)
        #expect(rendered.format == .png)
        #expect(try identify(rendered) == "PNG 200 100")
    }

    @Test func quarterTurnsSwapTheEdges() throws {
        #expect(try identify(render("90r")) == "JPEG 200 400")
        let thirty = try render("30r")
        // 400x200 turned 30 degrees covers about 446x373.
        let size = try identify(thirty).split(separator: " ").compactMap { Int($0) }
        #expect(size.count == 2 && abs(size[0] - 446) <= 2 && abs(size[1] - 373) <= 2)
    }

    @Test func lowerQualityGivesSmallerFiles() throws {
        let path = directory.appendingPathComponent("noise.jpg").path
        try magick(["convert", "-size", "300x300", "plasma:", "-quality", "95", path])
        let high = try render("90Q", source: path), low = try render("20Q", source: path)
        #expect(low.bytes.count < high.bytes.count / 2)
        // Relative quality follows the source's own: 50q of a quality-95 JPEG is about 47.
        let relative = try render("50q", source: path), absolute = try render("47Q", source: path)
        #expect(abs(relative.bytes.count - absolute.bytes.count) < absolute.bytes.count / 10)
    }

    @Test func textWatermarkRenders() throws {
        let rendered = try render("watermark=2&text=aGVsbG8sIHdvcmxk&color=I0ZGMDAwMA&size=30")
        #expect(try identify(rendered) == "JPEG 400 200")
    }

    /// Text watermarks rendered by many threads at once, as the image service's pool does: libvips
    /// 8.14 crashed the whole process (SIGFPE) when two threads drew text at the same moment.
    @Test func textWatermarksRenderConcurrently() throws {
        let path = try source()
        let processes = try ["aGVsbG8", "5L2g5aW9", "d29ybGQ", "bXNz"].map {
            try ImageProcess(parsing: "watermark=2&text=\($0)&size=\(20 + $0.count)")
        }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            do {
                let rendered = try ImageRenderer().render(sourcePath: path, process: processes[index % processes.count])
                if rendered.bytes.isEmpty { failures.withLock { $0 += 1 } }
            } catch {
                failures.withLock { $0 += 1 }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    @Test func nonImagesAndOversizeSourcesAreRejected() throws {
        let text = directory.appendingPathComponent("note.txt").path
        try Data("not an image at all".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: ImagingError.notAnImage("the source is not a JPEG, PNG, WebP, GIF or BMP image")) {
            try self.render("30r", source: text)
        }
        let truncated = directory.appendingPathComponent("truncated.jpg").path
        try Data(Data(contentsOf: URL(fileURLWithPath: source())).prefix(200)).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: ImagingError.self) { try self.render("30r", source: truncated) }
        do {
            _ = try render("30r", limits: .init(maximumSourcePixels: 10_000))
            Issue.record("a 400x200 source passed a 10,000-pixel limit")
        } catch ImagingError.tooLarge(let message) {
            #expect(message.contains("400x200"))
        }
        #expect(throws: ImagingError.self) { try self.render("1000p_10r", limits: .init(maximumEdge: 2000)) }
    }

    @Test func unknownFontsAndMissingWatermarkObjectsAreInvalid() throws {
        // "Comic Sans" in base64.
        #expect(throws: ImagingError.self) { try self.render("watermark=2&text=aGk&type=Q29taWMgU2Fucw") }
        // "logo.png" in base64, not given to the renderer.
        #expect(throws: ImagingError.self) { try self.render("watermark=1&object=bG9nby5wbmc") }
    }
}
