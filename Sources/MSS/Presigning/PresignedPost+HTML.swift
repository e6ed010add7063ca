import Foundation

extension PresignedPost {
    /// A complete HTML page with the form: hidden inputs for every field, a file input and a
    /// submit button. Every value is escaped, so keys and metadata cannot break out of the page.
    ///
    /// - Parameter submitLabel: the button's text.
    public func htmlForm(submitLabel: String = "Upload") -> String {
        var lines = [
            "<!DOCTYPE html>",
            "<html>",
            "<head><meta charset=\"utf-8\"><title>Upload</title></head>",
            "<body>",
            "<form action=\"\(Self.escape(url.absoluteString))\" method=\"post\" enctype=\"multipart/form-data\">",
        ]
        for field in fields {
            lines.append("  <input type=\"hidden\" name=\"\(Self.escape(field.name))\" value=\"\(Self.escape(field.value))\">")
        }
        lines += [
            "  <input type=\"file\" name=\"file\">",
            "  <input type=\"submit\" value=\"\(Self.escape(submitLabel))\">",
            "</form>",
            "</body>",
            "</html>",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text made safe for an HTML attribute value or element content.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
