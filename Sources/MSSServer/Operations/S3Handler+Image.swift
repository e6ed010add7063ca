#if ImageService
import Foundation
import HTTPTypes
import Hummingbird
import MSSImageProcess
import MSSImageRendering
import NIOCore
import S3Protocol

/// The image service: `GET|HEAD /{bucket}/{key}@{process}` on the image port. The source is read
/// with the same authorisation as a GET of the key; every problem with the process string or the
/// source is a 400 InvalidArgument.
extension S3Handler {
    func serveImage(_ request: ServerRequest, authentication: Authentication) async throws -> Response {
        guard request.method == "GET" || request.method == "HEAD" else { throw Self.methodNotAllowed(request) }
        guard let renderer = imageRenderer, let renderPool else {
            throw S3ServerError(.notImplemented, .notImplemented, "This server does not run the image service.")
        }
        guard let bucket = request.bucket, let path = request.key, let at = path.lastIndex(of: "@") else {
            throw S3ServerError.invalidArgument("The image service serves /{bucket}/{key}@{process}; this request names no process.")
        }
        let key = String(path[..<at])
        let processText = String(path[path.index(after: at)...])
        let process: ImageProcess
        do {
            process = try ImageProcess(parsing: processText)
        } catch {
            throw S3ServerError.invalidArgument("Invalid image process '\(processText)': \(error.message).")
        }
        // Reading the processed image is reading the current source: the rule of a plain GET of
        // the key decides. The query (already authenticated) plays no part: a `versionId` or
        // `acl` in it must not make the check look at another version or operation than the
        // one read below.
        var sourceRequest = request
        sourceRequest.key = key
        sourceRequest.method = "GET"
        sourceRequest.query = []
        try await authorize(sourceRequest, operation: .getObject, identity: authentication.identity)
        guard let source = try await store.object(bucket: bucket, key: key) else {
            _ = try await store.bucket(bucket)
            throw S3ServerError.noSuchKey(key)
        }
        // The image port has no way to be given an SSE-C key.
        if source.encryption?.kind == .customer {
            throw S3ServerError(
                .badRequest, .invalidRequest,
                "The object was stored using Server Side Encryption with a customer-provided key (SSE-C); the image service cannot be given that key, so it cannot render it.")
        }

        var watermarkFiles: [String: String] = [:]
        var watermarkVersions: [String] = []
        var inlineWatermarks: [StoredObject] = []
        for object in ImageRenderer.watermarkObjects(in: process) {
            // A watermark is read too: an anonymous caller cannot pull a private object into a public image.
            sourceRequest.key = object.key
            try await authorize(sourceRequest, operation: .getObject, identity: authentication.identity)
            let stored = try await store.object(bucket: bucket, key: object.key)
            if stored?.encryption != nil {
                throw S3ServerError(.badRequest, .invalidRequest, "The watermark \(object.key) is encrypted; the image service renders watermarks stored in clear only.")
            }
            if let stored, stored.isInline {
                inlineWatermarks.append(stored)
            } else if let stored {
                watermarkFiles[object.key] = store.dataPath(bucket: bucket, object: stored)
            }
            watermarkVersions.append("\(object.key)=\(stored?.version ?? "")")
        }
        // Everything that decides the pixels, asked only after every read was authorised.
        let variantKey = ImageVariantCache.Key(
            bucket: bucket, key: key, sourceVersion: source.version, process: process.rendered, watermarks: watermarkVersions.sorted())
        // Variants of an encrypted source are never cached: the cache is plaintext on disk.
        let imageCache = source.encryption == nil ? self.imageCache : nil
        if let imageCache, let cached = await imageCache.variant(for: variantKey) {
            return try Self.imageResponse(cached, request: request, source: source, cache: "hit")
        }
        // Copies made for libvips, which reads files: a decrypted source, inline sources and watermarks.
        var copies: [String] = []
        defer { for copy in copies { unlink(copy) } }
        let sourcePath: String
        if let encryption = source.encryption {
            sourcePath = try await decryptedImageSource(store.dataPath(bucket: bucket, object: source), encryption: encryption, request: request)
            copies.append(sourcePath)
        } else if source.isInline {
            sourcePath = try await store.copyOfInlineBytes(bucket: bucket, object: source)
            copies.append(sourcePath)
        } else {
            sourcePath = store.dataPath(bucket: bucket, object: source)
        }
        for watermark in inlineWatermarks {
            let copy = try await store.copyOfInlineBytes(bucket: bucket, object: watermark)
            copies.append(copy)
            watermarkFiles[watermark.key] = copy
        }
        let files = watermarkFiles
        let rendered: RenderedImage
        do {
            // libvips blocks its thread: renders run on the image service's own pool, which turns
            // requests away once its queue is full instead of letting them pile up.
            rendered = try await renderPool.run {
                try renderer.render(sourcePath: sourcePath, process: process, watermarkFiles: files)
            }
        } catch is RenderPool.Full {
            var busy = S3ServerError(
                .serviceUnavailable, .slowDown,
                "The image service is busy: \(renderPool.capacity) renders are running or waiting. Please retry shortly.")
            busy.retryAfter = 1
            throw busy
        } catch let error as ImagingError {
            // Too large and too slow included: the same request would fail the same way again, so
            // the client must change it, not retry it.
            throw S3ServerError.invalidArgument("The image could not be processed: \(error.description).")
        }
        let variant = ImageVariantCache.Variant(
            bytes: ByteBuffer(bytes: rendered.bytes), contentType: rendered.contentType, etag: Digests.md5Hex(rendered.bytes))
        await imageCache?.store(variant, for: variantKey)
        return try Self.imageResponse(variant, request: request, source: source, cache: imageCache == nil ? nil : "miss")
    }

    /// The answer with a rendered variant: the same conditional GET rules as objects, on the
    /// variant's ETag and the source's date; `x-mss-image-cache` says whether it was rendered now.
    private static func imageResponse(
        _ variant: ImageVariantCache.Variant, request: ServerRequest, source: StoredObject, cache: String?
    ) throws(S3ServerError) -> Response {
        if let failure = try preconditionFailure(request, etag: variant.etag, lastModified: source.lastModified) { return failure }
        var headers = HTTPFields()
        headers[.contentType] = variant.contentType
        headers[.contentLength] = String(variant.bytes.readableBytes)
        headers[.eTag] = "\"\(variant.etag)\""
        headers[.lastModified] = HTTPDate.rfc1123(source.lastModified)
        if let cache { headers[.imageCache] = cache }
        if request.method == "HEAD" { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: variant.bytes))
    }
}

extension HTTPField.Name {
    /// `hit` when the image service answered from its cache of rendered variants, `miss` when it
    /// rendered the variant for this request.
    static let imageCache = HTTPField.Name("x-mss-image-cache")!
}
#endif
