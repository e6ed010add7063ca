import Foundation
import MSSServer
import S3Protocol
import Testing

@testable import MSSCLI
import MSSServerLauncher

#if canImport(Glibc)
import Glibc
#endif

/// `mss` uses or signals the server in its state file only once it proves its identity.
@Suite struct EmbeddedIdentityTests {
    @Test func proofMatchesItsDefinition() {
        // hex(HMAC-SHA256(secret, "mss-server identity\n" + nonce + "\n" + pid)), computed with Python's hmac.
        #expect(
            ServerIdentity.proof(secretKey: "secret-key-123", nonce: String(repeating: "ab", count: 32), pid: 4242)
                == "3d2354a707995d8351f481e982c0c9e434f2c67d7770bfe96028cf4dcbf9c5e5")
        #expect(ServerIdentity.isWellFormed(nonce: String(repeating: "0f", count: 32)))
        #expect(!ServerIdentity.isWellFormed(nonce: String(repeating: "0F", count: 32)))
        #expect(!ServerIdentity.isWellFormed(nonce: "abc"))
    }

    /// A listener that answers every connection `200 OK` with no proof, like any web server.
    final class Stranger: @unchecked Sendable {
        let fd: Int32
        let port: Int

        init() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                        && getsockname(listener, pointer, &length) == 0
                }
            }
            guard bound else { throw CLIError("cannot listen") }
            fd = listener
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread {
                while true {
                    let client = accept(listener, nil, nil)
                    guard client >= 0 else { return }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    _ = read(client, &buffer, buffer.count)
                    let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-mss-pid: 1\r\nConnection: close\r\n\r\n".utf8)
                    _ = write(client, answer, answer.count)
                    close(client)
                }
            }
        }

        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    @Test func aStrangerOnTheRecordedPortIsNotOurs() async throws {
        let stranger = try Stranger()
        defer { stranger.stop() }
        let credentials = Credentials(accessKey: "AK", secretKey: "secret-key")
        #expect(await IdentityCheck.proves(port: stranger.port, pid: getpid(), credentials: credentials) == false)

        let root = NSTemporaryDirectory() + "mss-identity-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let home = MSSHome(environment: ["MSS_HOME": root])
        try FileManager.default.createDirectory(at: home.embeddedDirectory, withIntermediateDirectories: true)
        // The recorded pid is this test process: signalling it would end the test run.
        let state = ServerState(pid: getpid(), port: stranger.port, imagePort: nil)
        try JSONEncoder().encode(state).write(to: home.embeddedState)
        let embedded = EmbeddedServer(home: home)
        #expect(await embedded.probe(credentials: credentials) == .stranger(state))
        #expect(await embedded.stop() == .stranger(state))
        #expect(!FileManager.default.fileExists(atPath: home.embeddedState.path))
        #expect(await embedded.probe(credentials: credentials) == .none)
    }

    @Test func nothingListeningIsNotOurs() async throws {
        let stranger = try Stranger()
        let port = stranger.port
        stranger.stop()
        #expect(await IdentityCheck.proves(port: port, pid: getpid(), credentials: Credentials(accessKey: "AK", secretKey: "s")) == false)
    }
}
