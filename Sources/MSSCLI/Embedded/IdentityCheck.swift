import AsyncHTTPClient
import Foundation
import MSSServer
import NIOCore
import S3Protocol
import NIOHTTP1

/// Asks whatever listens on a loopback port to prove it holds the embedded server's secret key
/// (``ServerIdentity``), with a fresh nonce so an old answer cannot be replayed.
enum IdentityCheck {
    /// Whether the server on `port` is the process `pid` holding `credentials`. Any failure (no
    /// answer, another status, a missing or wrong proof, another pid) means no.
    static func proves(port: Int, pid: Int32, credentials: Credentials, timeout: TimeAmount = .seconds(3)) async -> Bool {
        var generator = SystemRandomNumberGenerator()
        let nonce = Digests.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/?\(ServerIdentity.queryName)=\(nonce)")
        request.headers.add(name: ServerIdentity.accessKeyHeader, value: credentials.accessKey)
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard response.status.code == 200, response.headers.first(name: ServerIdentity.pidHeader) == String(pid),
                let proof = response.headers.first(name: ServerIdentity.proofHeader)
            else { return false }
            let expected = ServerIdentity.proof(secretKey: credentials.secretKey, nonce: nonce, pid: pid)
            return Digests.constantTimeEquals(proof.lowercased(), expected)
        } catch {
            return false
        }
    }
}
