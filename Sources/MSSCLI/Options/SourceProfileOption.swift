import ArgumentParser

/// `--source-profile`: read the source of a remote-to-remote copy or sync through another profile's
/// connection, so data can move between two servers.
struct SourceProfileOption: ParsableArguments {
    @Option(name: .customLong("source-profile"), help: "Read remote sources through this profile (`mss config`): copies between two servers.")
    var sourceProfile: String?
}
