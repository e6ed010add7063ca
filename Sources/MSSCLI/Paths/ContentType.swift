/// The `Content-Type` uploads get from their file name, so browsers and the image service see
/// what a file is.
enum ContentType {
    private static let byExtension: [String: String] = [
        "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
        "bmp": "image/bmp", "svg": "image/svg+xml", "ico": "image/x-icon", "tif": "image/tiff", "tiff": "image/tiff",
        "avif": "image/avif", "heic": "image/heic", "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "csv": "text/csv; charset=utf-8", "xml": "application/xml", "js": "text/javascript; charset=utf-8",
        "json": "application/json", "pdf": "application/pdf", "zip": "application/zip", "gz": "application/gzip",
        "tar": "application/x-tar", "mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "mp3": "audio/mpeg",
        "wav": "audio/wav", "ogg": "audio/ogg", "wasm": "application/wasm", "woff2": "font/woff2",
    ]

    /// The type for `path`'s extension, or nil to leave it to the server.
    static func guess(_ path: String) -> String? {
        let name = Location.baseName(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return byExtension[name[name.index(after: dot)...].lowercased()]
    }
}
