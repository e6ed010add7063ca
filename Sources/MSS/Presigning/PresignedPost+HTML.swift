import Foundation
import S3Protocol

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
            "<form action=\"\(HTMLText.escape(url.absoluteString))\" method=\"post\" enctype=\"multipart/form-data\">",
        ]
        for field in fields {
            lines.append("  <input type=\"hidden\" name=\"\(HTMLText.escape(field.name))\" value=\"\(HTMLText.escape(field.value))\">")
        }
        lines += [
            "  <input type=\"file\" name=\"file\">",
            "  <input type=\"submit\" value=\"\(HTMLText.escape(submitLabel))\">",
            "</form>",
            "</body>",
            "</html>",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
