import Foundation

/// A file's mode, modification time and owner as `--preserve` keeps them in the object's metadata:
/// `x-amz-meta-mss-attrs: mode:0644/mtime:1732982400.25/uid:1000/gid:1000`, in the spirit of
/// `mc --preserve`'s `mc-attrs`. Downloads with `--preserve` restore the mode and the time; the
/// owner is recorded for people, not applied (only root could).
struct PreservedAttributes: Equatable, Sendable {
    static let metadataName = "mss-attrs"

    /// Permission bits, 0...0o7777.
    var mode: UInt32?
    var modified: Date?
    var uid: UInt32?
    var gid: UInt32?

    init(mode: UInt32?, modified: Date?, uid: UInt32? = nil, gid: UInt32? = nil) {
        self.mode = mode
        self.modified = modified
        self.uid = uid
        self.gid = gid
    }

    init?(ofFile path: String) {
        // The file the upload reads: through a symbolic link, as a read goes. FileManager rather
        // than stat(2), whose C struct an optimised build cannot see through Foundation alone.
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return nil }
        mode = (attributes[.posixPermissions] as? NSNumber).map { $0.uint32Value & 0o7777 }
        modified = attributes[.modificationDate] as? Date
        uid = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        gid = (attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value
    }

    /// Reads the metadata value; fields that are missing or do not parse are left out, so a value
    /// someone else wrote can never make a download fail.
    init?(metadata: [String: String]) {
        guard let value = metadata[Self.metadataName] else { return nil }
        for field in value.split(separator: "/") {
            let parts = field.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let text = String(parts[1])
            switch parts[0] {
            case "mode": mode = UInt32(text, radix: 8).map { $0 & 0o7777 }
            case "mtime":
                // Within a few thousand years either side, so the Date and utimes stay exact.
                if let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e11 { modified = Date(timeIntervalSince1970: seconds) }
            case "uid": uid = UInt32(text)
            case "gid": gid = UInt32(text)
            default: continue
            }
        }
        guard mode != nil || modified != nil else { return nil }
    }

    var encoded: String {
        var fields: [String] = []
        if let mode { fields.append("mode:0" + String(mode, radix: 8)) }
        if let modified { fields.append("mtime:" + Self.seconds(modified)) }
        if let uid { fields.append("uid:\(uid)") }
        if let gid { fields.append("gid:\(gid)") }
        return fields.joined(separator: "/")
    }

    /// Sets the mode and time on the file at `path`; what cannot be set is reported, not thrown,
    /// because the download itself went well.
    func apply(to path: String) -> String? {
        var problems: [String] = []
        if let mode, chmod(path, mode_t(mode)) != 0 { problems.append("mode: \(String(cString: strerror(errno)))") }
        if let modified {
            do {
                try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
            } catch {
                problems.append("time: \(error.localizedDescription)")
            }
        }
        return problems.isEmpty ? nil : "cannot restore the \(problems.joined(separator: ", ")) of \(path)"
    }

    /// Microseconds at most, without trailing zeros: stable text for equal times.
    private static func seconds(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1e6).rounded()
        let whole = Int64(micros / 1e6)
        let fraction = Int64(micros) - whole * 1_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = String(abs(fraction))
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return (micros < 0 && whole == 0 ? "-" : "") + "\(whole)." + digits
    }
}
