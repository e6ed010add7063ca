// The '@' image process grammar on any string: it comes from the URL of an anonymous image
// request, so it must parse or throw, never trap.
//
// Property: an accepted process renders to its canonical string, which parses back to the same
// value and renders identically (the client builds URLs from `rendered`; the server reads them);
// and it passes `validate()`, which renderers rely on to keep their arithmetic in bounds.
import MSSImageProcess

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let process = try? ImageProcess(parsing: text) else { return 0 }
    let rendered = process.rendered
    let again: ImageProcess
    do {
        again = try ImageProcess(parsing: rendered)
    } catch {
        preconditionFailure("'\(text)' renders as '\(rendered)', which does not parse: \(error)")
    }
    precondition(again == process, "'\(text)' renders as '\(rendered)', which parses to another value")
    precondition(again.rendered == rendered, "'\(rendered)' is not a fixed point")
    do {
        try process.validate()
    } catch {
        preconditionFailure("'\(text)' parses but fails validation: \(error)")
    }
    return 0
}
