import ArgumentParser

/// Options every command that talks to a server takes. They win over the environment, which
/// wins over the profile, which wins over the embedded local server.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The S3 endpoint, such as http://127.0.0.1:9000 (env MSS_ENDPOINT, AWS_ENDPOINT_URL).")
    var endpoint: String?

    @Option(name: .customLong("access-key"), help: "The access key (env MSS_ACCESS_KEY, AWS_ACCESS_KEY_ID).")
    var accessKey: String?

    @Option(name: .customLong("secret-key"), help: "The secret key (env MSS_SECRET_KEY, AWS_SECRET_ACCESS_KEY).")
    var secretKey: String?

    @Option(name: .long, help: "Signature version: v2 (MSS's default) or v4 (env MSS_SIGNATURE).")
    var signature: String?

    @Option(name: .long, help: "Region for SigV4 (env MSS_REGION, AWS_REGION; default us-east-1).")
    var region: String?

    @Option(name: .customLong("image-endpoint"), help: "The image service endpoint (env MSS_IMAGE_ENDPOINT).")
    var imageEndpoint: String?

    @Option(name: .long, help: "The profile to use (env MSS_PROFILE; default the one `mss config use` chose).")
    var profile: String?

    @Flag(name: .long, help: "One JSON object per line on standard output, for scripts.")
    var json = false

    @Flag(name: [.short, .long], help: "Print nothing but errors.")
    var quiet = false

    @Flag(name: .long, help: "Show S3 error codes, request ids and HTTP statuses with errors.")
    var debug = false

    var output: Output { Output(json: json, quiet: quiet, debug: debug) }
}
