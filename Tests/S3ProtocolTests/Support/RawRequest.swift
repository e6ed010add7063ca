import Foundation
import S3Protocol

/// A request as the vector files write it: a request line, `Name:value` headers (continuation
/// lines start with whitespace), a blank line, a body.
struct RawRequest {
    var method: String
    var path: String
    var query: [QueryItem]
    var headers: SignableHeaders
    var body: String

    init(_ text: String) throws {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        var parts = requestLine.components(separatedBy: " ")
        if parts.last?.hasPrefix("HTTP/") == true { parts.removeLast() }
        method = parts.removeFirst()
        let target = parts.joined(separator: " ")
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            guard let items = QueryItem.parse(target[target.index(after: mark)...]) else {
                throw VectorError("bad query in \(requestLine)")
            }
            query = items
        } else {
            path = target
            query = []
        }
        var fields: [(String, String)] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                // HTTP drops the whitespace around a field value.
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                fields.append((String(line[..<colon]), value))
            }
        }
        headers = SignableHeaders(fields)
        body = bodyLines.joined(separator: "\n")
    }

    var signable: SignableRequest {
        SignableRequest(method: method, path: path, query: query, headers: headers)
    }
}

struct VectorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Fixtures {
    static var root: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw VectorError("test fixtures are missing from the bundle")
            }
            return url.appendingPathComponent("vectors")
        }
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: try root.appendingPathComponent(relative), encoding: .utf8)
    }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try root.appendingPathComponent(relative))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw VectorError("\(relative) is not a JSON object")
        }
        return object
    }

    /// Case folders (those holding a file with `marker` suffix) below `relative`.
    static func caseDirectories(_ relative: String, containing suffix: String) throws -> [URL] {
        let base = try root.appendingPathComponent(relative)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var dirs = Set<URL>()
        for case let url as URL in walker where url.lastPathComponent.hasSuffix(suffix) {
            dirs.insert(url.deletingLastPathComponent())
        }
        return dirs.sorted { $0.path < $1.path }
    }
}

/// A string field of a JSON vector, or a thrown error naming it.
func field(_ object: [String: Any], _ key: String) throws -> String {
    guard let value = object[key] as? String else { throw VectorError("vector lacks string field '\(key)'") }
    return value
}
