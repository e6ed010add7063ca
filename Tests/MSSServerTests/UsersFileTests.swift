import Foundation
import S3Protocol
import Testing

@testable import MSSServer

/// The `--users` file: its format, its limits, and the errors that name the line at fault
/// without ever quoting a secret.
@Suite struct UsersFileTests {
    @Test func parsesUsersCommentsAndDisplayNames() throws {
        let users = try UsersFile.parse(
            """
            # staff
              alice01   alice-secret-1   Alice Liddell  \r
            \tBOB-KEY.2\tbob-secret-22

            # end
            """)
        #expect(users.map(\.accessKey) == ["alice01", "BOB-KEY.2"])
        #expect(users.map(\.credentials.secretKey) == ["alice-secret-1", "bob-secret-22"])
        #expect(users.map(\.displayName) == ["Alice Liddell", "BOB-KEY.2"])
        #expect(users[0].id == ServerUser.canonicalID(accessKey: "alice01"))
        #expect(try UsersFile.parse("").isEmpty)
    }

    @Test func canonicalIDsAreStableHexPerKey() {
        let id = ServerUser.canonicalID(accessKey: "alice01")
        #expect(id.utf8.count == 64 && id.allSatisfy(\.isHexDigit) && id == id.lowercased())
        #expect(id == ServerUser.canonicalID(accessKey: "alice01"))
        #expect(id != ServerUser.canonicalID(accessKey: "alice02"))
    }

    @Test(arguments: [
        ("alice01\n", 1, "expected ACCESS_KEY"),
        ("# ok\nab secret-key-1\n", 2, "access key"),
        ("alice/01 secret-key-1\n", 1, "access key"),
        ("alice:01 secret-key-1\n", 1, "access key"),
        (String(repeating: "k", count: 129) + " secret-key-1\n", 1, "access key"),
        ("alice01 short\n", 1, "secret key"),
        ("alice01 secret-ключ-1\n", 1, "secret key"),
        ("alice01 " + String(repeating: "s", count: 257) + "\n", 1, "secret key"),
        ("alice01 secret-key-1 " + String(repeating: "n", count: 129) + "\n", 1, "display name"),
        ("alice01 secret-key-1 bell\u{07}\n", 1, "display name"),
        ("alice01 secret-key-1\n\nalice01 secret-key-2\n", 3, "twice"),
    ])
    func refusesBadLines(text: String, line: Int, message: String) {
        do {
            _ = try UsersFile.parse(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.line == line)
            #expect(error.description.contains("line \(line)"))
            #expect(error.message.contains(message), "\(error.message)")
            for secret in ["short", "secret-key-1", "secret-key-2", "secret-ключ-1"] {
                #expect(!error.description.contains(secret), "the error quotes a secret: \(error.description)")
            }
        }
    }

    @Test func refusesFilesOthersCanReadAndReadsPrivateOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("users-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("users").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("alice01 alice-secret-1 Alice\n".utf8)))

        for mode in [0o644, 0o640, 0o602] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            let error = #expect(throws: UsersFileError.self) { try UsersFile.load(path: path) }
            #expect(error?.description.contains("chmod 600") == true)
            #expect(error?.description.contains(path) == true)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try UsersFile.load(path: path).map(\.displayName) == ["Alice"])

        #expect(throws: UsersFileError.self) { try UsersFile.load(path: directory.path) }
        #expect(throws: UsersFileError.self) { try UsersFile.load(path: directory.appendingPathComponent("absent").path) }
        let big = directory.appendingPathComponent("big").path
        #expect(FileManager.default.createFile(atPath: big, contents: Data(count: UsersFile.maximumBytes + 1), attributes: [.posixPermissions: 0o600]))
        #expect(throws: UsersFileError.self) { try UsersFile.load(path: big) }
    }

    @Test func duplicateKeysAcrossOptionsAndFileAreRefused() async throws {
        var configuration = MSSServer.Configuration(dataDirectory: "/nonexistent-\(UUID().uuidString)")
        configuration.users = [ServerUser(credentials: MSSServer.Configuration.developmentCredentials)]
        await #expect(throws: UsersFileError.self) { _ = try await MSSServer(configuration: configuration) }
    }
}
