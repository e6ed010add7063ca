import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFileSystem
import NIOFoundationCompat
import NIOHTTP1
import S3Protocol

extension S3Connection {
    /// Largest error or XML body read into memory.
    static let maximumDocumentBody = 16 << 20

    /// Sends `request` and reads the whole response body (up to `limit` bytes).
    func send(_ request: S3Request, limit: Int = maximumDocumentBody) async throws -> S3Response {
        try await send(request) { response in
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch let error as NIOTooManyBytesError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // A document cut short is read again whole, like a request that got no answer.
                throw BrokenBody(underlying: error)
            }
            return S3Response(status: Int(response.status.code), headers: response.headers, body: body)
        }
    }

    /// A response body that broke off while it was being collected.
    private struct BrokenBody: Error {
        var underlying: any Error
    }

    /// Sends `request`, retrying what is safe to retry, and hands a successful (2xx) response to
    /// `consume` while its body is still streaming. Non-2xx answers become ``S3Error``s; failures
    /// to reach the server become ``TransportError``s. Errors thrown by `consume` pass through
    /// unretried.
    func send<Result: Sendable>(
        _ request: S3Request, consume: @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        let endpoint = Endpoint(configuration: configuration, service: request.service)
        let target = endpoint.target(bucket: request.bucket, key: request.key)
        let payloadHash = try payloadHash(of: request.body)
        let retry = configuration.retry
        var attempt = 0
        while true {
            attempt += 1
            // Asked per attempt: a retry after a long back-off may need refreshed credentials.
            let signer = RequestSigner(
                credentials: try await credentialsCache.credentials(), version: configuration.signatureVersion,
                signingKeys: signingKeys)
            var signable = SignableRequest(
                method: request.method, path: target.path, query: request.query, headers: request.headers)
            signable.headers.replace("Host", target.hostHeader)
            signer.sign(&signable, resourcePath: target.resourcePath, payloadHash: payloadHash, date: Date())

            var http = HTTPClientRequest(url: target.baseURL + target.path + Self.querySuffix(request.query))
            http.method = HTTPMethod(rawValue: request.method)
            // One field per name, repeated values joined as they were signed: Ceph RGW signs only
            // the first of repeated fields, so sending them apart would break the signature.
            var sent = Set<String>()
            for field in signable.headers where sent.insert(field.name.lowercased()).inserted {
                http.headers.add(name: field.name, value: signable.headers[field.name] ?? field.value)
            }
            http.headers.replaceOrAdd(name: "User-Agent", value: configuration.userAgent)

            let outcome: Outcome<Result>
            do {
                outcome = try await withBody(request.body, onBytesSent: request.onBytesSent) { body in
                    http.body = body
                    let response = try await httpClient.execute(http, deadline: .distantFuture, logger: logger)
                    let status = Int(response.status.code)
                    guard (200..<300).contains(status) else {
                        let bytes = try await response.body.collect(upTo: Self.maximumDocumentBody)
                        let (error, retryAfter) = Self.error(
                            status: status, headers: response.headers, body: bytes, request)
                        return .failure(error, retryAfter: retryAfter)
                    }
                    do {
                        return .success(try await consume(response))
                    } catch {
                        return .consumerFailed(error)
                    }
                }
            } catch let error as MSSClientError {
                throw error
            } catch {
                guard attempt < retry.maxAttempts, !Task.isCancelled else {
                    throw TransportError(underlying: error, attempts: attempt)
                }
                let delay = retry.delay(afterAttempt: attempt, retryAfter: nil)
                logger.debug(
                    "retrying after transport error",
                    metadata: ["method": "\(request.method)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                continue
            }

            switch outcome {
            case .success(let result):
                logger.trace("request done", metadata: ["method": "\(request.method)", "path": "\(target.path)"])
                return result
            case .consumerFailed(let error as BrokenBody):
                guard attempt < retry.maxAttempts, !Task.isCancelled else {
                    throw TransportError(underlying: error.underlying, attempts: attempt)
                }
                logger.debug(
                    "retrying after a broken body",
                    metadata: ["method": "\(request.method)", "attempt": "\(attempt)", "error": "\(error.underlying)"])
                try await Task.sleep(for: retry.delay(afterAttempt: attempt, retryAfter: nil))
            case .consumerFailed(let error):
                throw error
            case .failure(let error, let retryAfter):
                guard RetryPolicy.isRetryable(status: error.status, code: error.code.rawValue),
                    attempt < retry.maxAttempts
                else {
                    logger.debug(
                        "request failed", metadata: ["method": "\(request.method)", "status": "\(error.status)", "code": "\(error.code)"])
                    throw error
                }
                logger.debug(
                    "retrying after server error",
                    metadata: ["method": "\(request.method)", "attempt": "\(attempt)", "code": "\(error.code)"])
                try await Task.sleep(for: retry.delay(afterAttempt: attempt, retryAfter: retryAfter))
            }
        }
    }

    private enum Outcome<Result: Sendable>: Sendable {
        case success(Result)
        case failure(S3Error, retryAfter: Duration?)
        case consumerFailed(any Error)
    }

    static func querySuffix(_ query: [QueryItem]) -> String {
        query.isEmpty ? "" : "?" + QueryItem.render(query)
    }

    private func payloadHash(of body: RequestBody) throws -> String {
        switch body {
        case .empty: return Digests.emptySHA256Hex
        case .bytes(let buffer): return Digests.sha256Hex(buffer.readableBytesView)
        // Hashing a file means reading it twice; integrity is covered by Content-MD5 instead.
        case .file: return SigV4Signer.unsignedPayload
        }
    }

    /// Runs `body` with the HTTP body for `requestBody`, keeping a file open while it is sent.
    private func withBody<T: Sendable>(
        _ requestBody: RequestBody, onBytesSent: (@Sendable (Int64) -> Void)?,
        _ body: (HTTPClientRequest.Body?) async throws -> T
    ) async throws -> T {
        switch requestBody {
        case .empty:
            return try await body(nil)
        case .bytes(let buffer):
            return try await body(.bytes(buffer))
        case .file(let path, let offset, let length):
            // withFileHandle closes the file even when the task is cancelled.
            var opened = false
            do {
                return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
                    opened = true
                    let chunks = handle.readChunks(in: offset..<(offset + length), chunkLength: .kibibytes(256))
                    return try await body(.stream(CountingChunks(base: chunks, onBytes: onBytesSent), length: .known(length)))
                }
            } catch where !opened {
                throw MSSClientError(.fileError, "cannot open \(path) for reading: \(error)")
            }
        }
    }

    /// The S3 error a non-2xx response stands for, and the `Retry-After` delay it asked for.
    private static func error(status: Int, headers: HTTPHeaders, body: ByteBuffer, _ request: S3Request)
        -> (S3Error, Duration?)
    {
        let requestID = headers.first(name: "x-amz-request-id")
        let retryAfter = ResponseNumbers.retryAfter(headers)
        let bytes = Array(body.readableBytesView)
        if let document = try? ErrorDocument(bytes: bytes) {
            return (S3Error(status: status, document: document, requestID: requestID), retryAfter)
        }
        // HEAD responses and some proxies carry no S3 body: the status is all there is.
        let text = String(decoding: bytes.prefix(512), as: UTF8.self)
        let error = S3Error(
            status: status, code: .implied(byStatus: status, isBucketLevel: request.isBucketLevel),
            message: text.isEmpty ? nil : text, requestID: requestID)
        return (error, retryAfter)
    }
}
