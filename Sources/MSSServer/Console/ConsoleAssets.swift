/// The console's stylesheet and script, compiled into the binary as strings: nothing to install,
/// no npm, no bundle lookups (fragile on Linux), and no file system path a request could steer.
/// Only these two names are served; every other path under `/_console/` is 404.
enum ConsoleAssets {}
