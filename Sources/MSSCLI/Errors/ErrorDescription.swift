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
        // `/bucket/key` as `mss://bucket/key`, and the bucket alone, when the server named them.
        let path = error.resource.map { URIEncoding.decode(String($0.drop { $0 == "/" })) ?? String($0.drop { $0 == "/" }) }
        let location = path.map { "mss://" + $0 } ?? "the resource"
        let bucket = path.flatMap { $0.split(separator: "/").first }.map { "bucket '\($0)'" } ?? "the bucket"
        switch error.code {
        case .noSuchBucket: return "\(bucket) does not exist"
        case .noSuchKey: return "\(location) does not exist"
        case .bucketNotEmpty: return "\(bucket) is not empty (rb --force deletes what it holds)"
        case .bucketAlreadyOwnedByYou, .bucketAlreadyExists: return "\(bucket) already exists"
        case .accessDenied: return "access denied to \(location)"
        case .signatureDoesNotMatch: return "the server refused the signature: check the secret key"
        case .invalidAccessKeyId: return "the server does not know this access key"
        case .invalidBucketName: return "\(bucket) is not a valid bucket name"
        case .requestTimeTooSkewed: return "this machine's clock is too far from the server's"
        default: return error.message ?? "the server answered \(error.code.rawValue)"
        }
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
