import Foundation
import MSS
import S3Protocol

/// Errors in plain words: what went wrong with which bucket or key, not an HTTP status. `--debug`
/// adds the S3 code, request id and status.
enum ErrorDescription {
    static func describe(_ error: any Error, debug: Bool) -> String {
        switch error {
        case let error as CLIError:
            return error.message
        case let error as S3Error:
            let plain = plainWords(error)
            guard debug else { return plain }
            let details = ["S3 code \(error.code.rawValue)", error.requestID.map { "request id \($0)" }, "HTTP \(error.status)", error.resource.map { "resource \($0)" }]
            return plain + " (" + details.compactMap { $0 }.joined(separator: ", ") + ")"
        case let error as TransportError:
            return "no answer from the server: \(error.underlying)" + (debug ? " (after \(error.attempts) attempts)" : "")
        case let error as MSSClientError:
            return error.message
        case let error as DirectoryFailures:
            return error.description
        default:
            return String(describing: error)
        }
    }

    private static func plainWords(_ error: S3Error) -> String {
        let resource = error.resource.map(describeResource)
        switch error.code.rawValue {
        case "NoSuchBucket": return "bucket \(resource.map(bucketOnly) ?? "") does not exist".replacingOccurrences(of: "bucket  ", with: "the bucket ")
        case "NoSuchKey": return "\(resource ?? "the object") does not exist"
        case "BucketNotEmpty": return "bucket \(resource.map(bucketOnly) ?? "") is not empty (rb --force deletes what it holds)"
        case "BucketAlreadyOwnedByYou", "BucketAlreadyExists": return "bucket \(resource.map(bucketOnly) ?? "") already exists"
        case "AccessDenied": return "access denied to \(resource ?? "the resource")"
        case "SignatureDoesNotMatch": return "the server refused the signature: check the secret key"
        case "InvalidAccessKeyId": return "the server does not know this access key"
        case "InvalidBucketName": return "\(resource.map(bucketOnly) ?? "the name") is not a valid bucket name"
        case "RequestTimeTooSkewed": return "this machine's clock is too far from the server's"
        default: return error.message ?? "the server answered \(error.code.rawValue)"
        }
    }

    /// `/bucket/key` as `mss://bucket/key`.
    private static func describeResource(_ resource: String) -> String {
        let trimmed = resource.drop { $0 == "/" }
        let decoded = URIEncoding.decode(String(trimmed)) ?? String(trimmed)
        return "mss://" + decoded
    }

    private static func bucketOnly(_ described: String) -> String {
        let name = described.dropFirst("mss://".count).split(separator: "/").first.map(String.init) ?? ""
        return "'\(name)'"
    }
}

/// Some items of a tree transfer failed.
struct DirectoryFailures: Error, CustomStringConvertible {
    var failures: [(item: String, error: any Error)]

    var description: String {
        let shown = failures.prefix(5).map { "\($0.item): \(ErrorDescription.describe($0.error, debug: false))" }
        return "\(failures.count) item(s) failed:\n  " + shown.joined(separator: "\n  ") + (failures.count > 5 ? "\n  ..." : "")
    }
}
