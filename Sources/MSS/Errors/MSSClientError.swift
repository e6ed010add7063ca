/// An error raised by this library before or after talking to the server: an argument S3 would
/// reject, a local file problem, a response that does not make sense, or failed integrity checks.
///
/// Growable without breaking users: match on the static members.
public struct MSSClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate let name: String
        public var description: String { name }

        /// An argument S3 would refuse, such as a bad bucket name or an empty key; nothing was sent.
        public static let invalidArgument = Kind(name: "invalidArgument")
        /// A local file could not be read or written.
        public static let fileError = Kind(name: "fileError")
        /// The server's answer could not be understood.
        public static let invalidResponse = Kind(name: "invalidResponse")
        /// Received data does not match its checksum or expected size.
        public static let integrityCheckFailed = Kind(name: "integrityCheckFailed")
        /// A response body kept breaking off and could not be resumed within the retry policy;
        /// the message says after how many bytes and what was kept.
        public static let transferInterrupted = Kind(name: "transferInterrupted")
        /// No credentials were found where they were looked for.
        public static let missingCredentials = Kind(name: "missingCredentials")
        /// The ``CredentialsProvider`` failed, or gave credentials that had already expired;
        /// nothing was sent. The message carries the provider's error.
        public static let credentialsUnavailable = Kind(name: "credentialsUnavailable")
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind): \(message)" }

    static func invalidArgument(_ message: String) -> MSSClientError { MSSClientError(.invalidArgument, message) }
}
