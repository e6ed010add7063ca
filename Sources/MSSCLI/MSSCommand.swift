import ArgumentParser
import S3Protocol
import Foundation

/// `mss`: buckets, objects, transfers and images on MSS and any S3-compatible store, and the
/// local mss-server it falls back to when nothing is configured.
struct MSSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mss",
        abstract: "Buckets, objects, transfers and the image service on MSS and any S3-compatible store.",
        discussion: """
            Remote paths look like mss://bucket/key (s3:// works too). Where to connect comes from flags, then \
            the environment (MSS_ENDPOINT, MSS_ACCESS_KEY, MSS_SECRET_KEY, MSS_SIGNATURE, or the AWS_* names), \
            then the profile (`mss config`), and with nothing configured a local mss-server over ~/.mss/data, \
            started on first use.

            Exit status: 0 success, 1 failure, 2 usage error.
            Shell completions: mss --generate-completion-script bash|zsh|fish
            """,
        version: PackageVersion.current,
        subcommands: [
            ListCommand.self, MakeBucketCommand.self, RemoveBucketCommand.self, CopyCommand.self, MoveCommand.self,
            RemoveCommand.self, CatCommand.self, StatCommand.self, PresignCommand.self, SyncCommand.self, ImageCommand.self,
            DiskUsageCommand.self, VersionCommand.self, ServerCommand.self, ConfigCommand.self, QuickstartCommand.self,
            FindCommand.self, TreeCommand.self, RunCommand.self,
            HeadCommand.self, DiffCommand.self, CORSCommand.self, TagCommand.self, ILMCommand.self,
        ])
}

/// The `mss` entry point, with the exit statuses scripts rely on: 0 success, 1 failure, 2 usage.
public enum MSSMain {
    public static func main() async -> Never {
        let command: any ParsableCommand
        do {
            command = try MSSCommand.parseAsRoot()
        } catch {
            exitForParseError(error)
        }
        let output = (command as? any ReportingCommand)?.output ?? Output(json: false, quiet: false, debug: false)
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var plain = command
                try plain.run()
            }
            exit(0)
        } catch let error as CLIError {
            output.error(error.message)
            exit(error.isUsage ? 2 : 1)
        } catch let error as ValidationError {
            output.error(error.message)
            exit(2)
        } catch {
            if MSSCommand.exitCode(for: error) == .success {
                MSSCommand.exit(withError: error)
            }
            output.error(ErrorDescription.describe(error, debug: output.debug))
            exit(1)
        }
    }

    private static func exitForParseError(_ error: any Error) -> Never {
        let code = MSSCommand.exitCode(for: error)
        if code == .success { MSSCommand.exit(withError: error) }
        StandardStream.error.write(MSSCommand.fullMessage(for: error) + "\n")
        exit(2)
    }
}
