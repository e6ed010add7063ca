/// A line split into words as a POSIX shell splits them, without anything else a shell does: no
/// variables, globbing, pipes or `;`. Used for `mss run` lines and `find --exec`.
///
/// - Spaces and tabs separate words.
/// - `'...'` is taken as written; `"..."` too, except that `\"` and `\\` inside stand for `"` and `\`.
/// - Outside quotes, `\` takes the next character literally.
/// - A `#` that starts a word starts a comment to the end of the line.
enum ShellWords {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    static func split(_ line: String) throws(Failure) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = line.makeIterator()
        var column = 0
        while let character = characters.next() {
            column += 1
            switch character {
            case " ", "\t", "\r":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "#" where !inWord:
                return words
            case "'":
                inWord = true
                let start = column
                while true {
                    guard let next = characters.next() else { throw Failure(description: "the ' at column \(start) is never closed") }
                    column += 1
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                let start = column
                while true {
                    guard let next = characters.next() else { throw Failure(description: "the \" at column \(start) is never closed") }
                    column += 1
                    if next == "\"" { break }
                    if next == "\\" {
                        guard let escaped = characters.next() else { throw Failure(description: "the \" at column \(start) is never closed") }
                        column += 1
                        if escaped != "\"" && escaped != "\\" { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(next)
                    }
                }
            case "\\":
                guard let escaped = characters.next() else { throw Failure(description: "the line ends with a lone \\") }
                column += 1
                inWord = true
                word.append(escaped)
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
