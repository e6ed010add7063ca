import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import S3Protocol
import Logging

/// The body of a GET that survives being cut short: when the connection closes, resets or times
/// out mid-body, the rest is asked for again with a ranged GET carrying `If-Match` on the ETag of
/// the first answer, within the connection's retry policy. An object that changed in between
/// fails the integrity check instead of mixing two versions.
///
/// Made by ``init(connection:request:describing:)``, which sends the first request (with the
/// executor's usual retries before an answer arrives); ``stream(advice:_:)`` then delivers every
/// byte in order exactly once.
struct ResumableBody {
    let connection: S3Connection
    let request: S3Request
    let name: String
    /// What the first answer said about the object.
    let info: ObjectInfo
    /// Where in the object the first byte of the body lies.
    let offset: Int64
    /// How many bytes the body holds; nil when the server did not say.
    let length: Int64?
    /// The `If-Match` value resumed requests carry; nil when the object has no ETag, which means
    /// a broken body cannot be resumed safely.
    let ifMatch: String?
    private var response: HTTPClientResponse?

    init(connection: S3Connection, request: S3Request, describing name: String) async throws {
        self.connection = connection
        self.request = request
        self.name = name
        let response = try await connection.send(request) { $0 }
        let info = try ObjectInfo(key: name, headers: response.headers)
        let contentLength = try ResponseNumbers.contentLength(response.headers)
        if let range = try ResponseNumbers.contentRange(response.headers) {
            guard contentLength == nil || contentLength == range.count else {
                throw MSSClientError(
                    .invalidResponse, "the server sent \(contentLength ?? 0) bytes of \(name) for a range of \(range.count)")
            }
            offset = range.first
            length = range.count
        } else {
            offset = 0
            length = contentLength
        }
        self.info = info
        ifMatch = request.headers["If-Match"] ?? response.headers.first(name: "ETag").map { $0.hasPrefix("\"") || $0.hasPrefix("W/") ? $0 : "\"\($0)\"" }
        self.response = response
    }

    /// Hands every byte of the body to `write`, in order, resuming after breaks; returns the
    /// byte count. Errors thrown by `write` (a full disk, a size limit) end it at once.
    ///
    /// - Parameter advice: what the caller should do when the attempts run out, appended to the
    ///   error, for example "the partial download is kept — run the same command again to resume".
    mutating func stream(advice: String, _ write: (ByteBuffer) async throws -> Void) async throws -> Int64 {
        guard var current = response else { return 0 }
        response = nil
        let retry = connection.configuration.retry
        var received: Int64 = 0
        var attempts = 1
        while true {
            var failure: (any Error)?
            do {
                for try await chunk in current.body {
                    let count = Int64(chunk.readableBytes)
                    if let length, count > length - received {
                        throw MSSClientError(.invalidResponse, "the server sent more than the \(length) bytes it announced for \(name)")
                    }
                    do {
                        try await write(chunk)
                    } catch {
                        throw LocalFailure(underlying: error)
                    }
                    received += count
                }
            } catch let error as LocalFailure {
                throw error.underlying
            } catch let error as MSSClientError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = error
            }
            try Task.checkCancellation()
            if let length, received == length { return received }
            if length == nil, failure == nil { return received }

            guard attempts < retry.maxAttempts, ifMatch != nil else {
                throw interrupted(received: received, attempts: attempts, cause: failure, advice: advice)
            }
            connection.logger.debug(
                "resuming a broken body",
                metadata: ["key": "\(name)", "received": "\(received)", "attempt": "\(attempts)", "error": "\(failure.map { "\($0)" } ?? "ended early")"])
            try await Task.sleep(for: retry.delay(afterAttempt: attempts, retryAfter: nil))
            attempts += 1
            do {
                current = try await resume(from: received)
            } catch let error as TransportError {
                throw interrupted(received: received, attempts: attempts, cause: error.underlying, advice: advice)
            }
        }
    }

    /// Asks for the rest of the body, from `received` bytes on, of the same object version.
    private func resume(from received: Int64) async throws -> HTTPClientResponse {
        var again = request
        let first = offset + received
        let last = length.map { offset + $0 - 1 }
        again.headers.replace("Range", "bytes=\(first)-" + (last.map(String.init) ?? ""))
        if let ifMatch { again.headers.replace("If-Match", ifMatch) }
        let response: HTTPClientResponse
        do {
            response = try await connection.send(again) { $0 }
        } catch let error as S3Error where error.status == 412 {
            throw MSSClientError(
                .integrityCheckFailed,
                "\(name) changed during the download (its ETag is no longer \(ifMatch ?? "")); run the download again for the new version")
        }
        guard let range = try ResponseNumbers.contentRange(response.headers), range.first == first,
            last.map({ range.last == $0 }) ?? true
        else {
            throw MSSClientError(
                .invalidResponse,
                "the server did not answer the resumed request for bytes \(first)-\(last.map(String.init) ?? "") of \(name) with that range")
        }
        return response
    }

    private func interrupted(received: Int64, attempts: Int, cause: (any Error)?, advice: String) -> MSSClientError {
        let total = length.map { " of " + Self.grouped($0) } ?? ""
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        let noResume = ifMatch == nil ? ", and without an ETag it cannot be resumed safely" : ""
        return MSSClientError(
            .transferInterrupted,
            "\(Self.whatHappened(cause)) after \(Self.grouped(received))\(total) bytes of \(name) (\(tries)\(noResume)); \(advice)")
    }

    /// The break in words a user can act on.
    static func whatHappened(_ error: (any Error)?) -> String {
        switch error {
        case nil:
            return "the connection closed"
        case let error as HTTPParserError where error == .invalidEOFState:
            return "the connection closed"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the connection closed"
        case let error as HTTPClientError where error == .readTimeout:
            return "the server stopped sending (read timeout)"
        case let error as IOError where error.errnoCode == ECONNRESET:
            return "the connection was reset"
        case let error?:
            return "the transfer broke off (\(error))"
        }
    }

    /// `12582912` as `12,582,912`.
    static func grouped(_ value: Int64) -> String {
        let digits = Array(String(value.magnitude))
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// An error of the caller's `write`, kept apart so it is never taken for a broken body.
    private struct LocalFailure: Error {
        var underlying: any Error
    }
}
