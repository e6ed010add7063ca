import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import S3Protocol

/// Builders for the responses the operations send.
enum ServerResponse {
    static func xml<D: S3Document>(_ document: D, status: HTTPResponse.Status = .ok) -> Response {
        xml(text: document.serialized(), status: status)
    }

    static func xml(text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/xml"
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func empty(_ status: HTTPResponse.Status = .ok, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        if headers[.contentLength] == nil { headers[.contentLength] = "0" }
        return Response(status: status, headers: headers)
    }

    /// The XML error body S3 sends, with the request id.
    static func error(_ error: S3ServerError, requestID: String, isHead: Bool) -> Response {
        let document = ErrorDocument(
            code: error.code.rawValue, message: error.message, resource: error.resource, requestID: requestID,
            details: error.details)
        var response = xml(text: document.serialized(), status: error.status)
        if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        for (name, value) in error.headers {
            if let name = HTTPField.Name(name) { response.headers[name] = value }
        }
        if isHead { response.body = ResponseBody() }
        return response
    }
}

extension HTTPField.Name {
    static let amzRequestID = HTTPField.Name("x-amz-request-id")!
    static let amzID2 = HTTPField.Name("x-amz-id-2")!
    static let retryAfter = HTTPField.Name("Retry-After")!
}
