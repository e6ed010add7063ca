import Foundation
import Testing

@testable import MSS
import S3Protocol

@Suite struct CredentialsTests {
    @Test func environmentPrefersMSSNames() throws {
        let both = [
            "MSS_ACCESS_KEY": "mss-a", "MSS_SECRET_KEY": "mss-s", "AWS_ACCESS_KEY_ID": "aws-a",
            "AWS_SECRET_ACCESS_KEY": "aws-s", "AWS_SESSION_TOKEN": "tok",
        ]
        #expect(try StandardCredentialsProvider.environment.resolve(environment: both)?.accessKey == "mss-a")
        var aws = both
        aws["MSS_ACCESS_KEY"] = nil
        let fromAWS = try StandardCredentialsProvider.environment.resolve(environment: aws)
        #expect(fromAWS?.accessKey == "aws-a")
        #expect(fromAWS?.sessionToken == "tok")
        #expect(throws: MSSClientError.self) { _ = try StandardCredentialsProvider.environment.resolve(environment: [:]) }
    }

    @Test func sharedFileProfiles() throws {
        let directory = NSTemporaryDirectory() + "mss-creds-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/credentials"
        try """
            # comment
            [default]
            aws_access_key_id = DEF
            aws_secret_access_key = defsecret

            [profile work]
            aws_access_key_id=WORK
            aws_secret_access_key=worksecret
            aws_session_token = worktoken
            ; another comment
            [broken]
            aws_access_key_id = ONLY
            """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try StandardCredentialsProvider.sharedFile(path: path).resolve(environment: [:])?.accessKey == "DEF")
        let work = try StandardCredentialsProvider.sharedFile(profile: "work", path: path).resolve(environment: [:])
        #expect(work == .init(accessKey: "WORK", secretKey: "worksecret", sessionToken: "worktoken"))
        #expect(try StandardCredentialsProvider.sharedFile(path: path).resolve(environment: ["AWS_PROFILE": "work"])?.accessKey == "WORK")
        #expect(try StandardCredentialsProvider.sharedFile().resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": path])?.accessKey == "DEF")
        #expect(throws: MSSClientError.self) { _ = try StandardCredentialsProvider.sharedFile(profile: "broken", path: path).resolve(environment: [:]) }
        #expect(throws: MSSClientError.self) { _ = try StandardCredentialsProvider.sharedFile(profile: "none", path: path).resolve(environment: [:]) }
        // The default chain: environment first, then the file.
        let chained = try StandardCredentialsProvider.default.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": path])
        #expect(chained?.accessKey == "DEF")
        #expect(try StandardCredentialsProvider.default.resolve(environment: ["MSS_ACCESS_KEY": "E", "MSS_SECRET_KEY": "S", "AWS_SHARED_CREDENTIALS_FILE": path])?.accessKey == "E")
        #expect(throws: MSSClientError.self) {
            _ = try StandardCredentialsProvider.default.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": directory + "/missing"])
        }
        #expect(try StandardCredentialsProvider.anonymous.resolve(environment: [:]) == nil)
    }
}
