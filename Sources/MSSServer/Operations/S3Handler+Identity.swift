import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import S3Protocol

/// How a server proves to `mss` that it is the embedded server `mss` started: `mss` trusts
/// whatever answers on the port in its state file only after that process shows it holds the
/// embedded secret key, so data, signatures and signals never go to a stranger on the port.
///
/// `GET /?x-mss-identity=NONCE` with `x-mss-access-key: KEY` (NONCE: 64 hex digits) is answered
/// 200 with `x-mss-pid: PID` and `x-mss-identity-proof: hex(HMAC-SHA256(secret of KEY,
/// "mss-server identity\n" + NONCE + "\n" + PID))`. An unknown key gets 403 like any other
/// authentication failure, so the request tells nothing to someone without a key. The message's
/// prefix keeps the proof from ever matching a SigV2 or SigV4 signature.
public enum ServerIdentity {
    public static let queryName = "x-mss-identity"
    public static let accessKeyHeader = "x-mss-access-key"
    public static let proofHeader = "x-mss-identity-proof"
    public static let pidHeader = "x-mss-pid"

    /// The proof for `nonce` by the process `pid` holding `secretKey`, as lower-case hex.
    public static func proof(secretKey: String, nonce: String, pid: Int32) -> String {
        let message = "mss-server identity\n" + nonce + "\n" + String(pid)
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secretKey.utf8)))
        return Digests.hex(mac)
    }

    /// Whether `nonce` is what `mss` sends: 32 random bytes in hex.
    public static func isWellFormed(nonce: String) -> Bool {
        nonce.utf8.count == 64 && nonce.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

extension S3Handler {
    /// The answer to an identity request, or nil for any other request.
    func identityProof(_ request: ServerRequest) throws -> Response? {
        guard request.bucket == nil, request.method == "GET", let nonce = request.query.value(for: ServerIdentity.queryName)
        else { return nil }
        guard let accessKey = request.header(ServerIdentity.accessKeyHeader),
            let credentials = authenticator.keys.credentials(for: accessKey)
        else { throw S3ServerError.accessDenied() }
        guard ServerIdentity.isWellFormed(nonce: nonce) else {
            throw S3ServerError(.badRequest, .invalidArgument, "\(ServerIdentity.queryName) must be 64 lower-case hex digits.")
        }
        let pid = getpid()
        var headers = HTTPFields()
        headers[HTTPField.Name(ServerIdentity.pidHeader)!] = String(pid)
        headers[HTTPField.Name(ServerIdentity.proofHeader)!] = ServerIdentity.proof(
            secretKey: credentials.secretKey, nonce: nonce, pid: pid)
        return ServerResponse.empty(.ok, headers: headers)
    }
}
