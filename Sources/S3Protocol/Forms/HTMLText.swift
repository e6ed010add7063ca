/// Text put into HTML: the browser upload forms the SDK renders and the pages the server's
/// console serves both hold bucket names, keys and policy fields that may contain markup.
public enum HTMLText {
    /// `text` made safe for an HTML attribute value (single- or double-quoted) or element content.
    public static func escape(_ text: String) -> String {
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
