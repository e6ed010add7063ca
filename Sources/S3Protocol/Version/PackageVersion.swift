/// The release of swift-mss these modules belong to: printed by `mss --version` and
/// `mss-server --version`, and sent in the SDK's User-Agent. Kept beside CHANGELOG.md's newest
/// numbered entry; `scripts/check-version.sh` fails when the two disagree.
public enum PackageVersion {
    public static let current = "0.6.0"
    /// `swift-mss/0.6.0`, as a product token.
    public static let userAgent = "swift-mss/\(current)"
}
