/// A command whose own flags (`--json`, `--quiet`, `--debug`) decide how its errors are
/// reported, so that a script asking for JSON gets its error as JSON too.
protocol ReportingCommand {
    var output: Output { get }
}
