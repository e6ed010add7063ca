import Testing

@testable import MSSServerLauncher

/// `--image-cache-size`: sizes with units, and what must be refused without trapping.
@Suite("Server size options")
struct ServerOptionSizeTests {
    @Test func sizesWithUnits() {
        #expect(ServerOptions.size("0") == 0)
        #expect(ServerOptions.size("512M") == 512 << 20)
        #expect(ServerOptions.size("1g") == 1 << 30)
        #expect(ServerOptions.size("1GiB") == 1 << 30)
        #expect(ServerOptions.size(" 2T ") == 2 << 40)
        #expect(ServerOptions.size("1024P") == nil)
    }

    @Test func hostileSizesAreRefusedNotTrapped() {
        for hostile in ["", "-1", "+1", "1.5G", "G", "B", "iB", "lots", "1X", "99999999999999999999", "9223372036854775807T",
                        "1048577G", "0x10", "1 G", String(repeating: "9", count: 10_000) + "K", "\u{0}1"] {
            #expect(ServerOptions.size(hostile) == nil, "\(hostile.prefix(20))")
        }
        #expect(ServerOptions.size("1048576G") == 1 << 50)
    }
}
