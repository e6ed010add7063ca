/// A failure the command explains in its own words. Usage errors exit with 2, the rest with 1.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var isUsage = false

    init(_ message: String) {
        self.message = message
    }

    static func usage(_ message: String) -> CLIError {
        var error = CLIError(message)
        error.isUsage = true
        return error
    }

    var description: String { message }
}
