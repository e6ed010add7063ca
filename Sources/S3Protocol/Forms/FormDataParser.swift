/// An incremental `multipart/form-data` reader (RFC 7578) for S3's POST Object: fed the body in
/// pieces of any size, it reports fields whole and the `file` part as ranges of the pieces, so a
/// server never holds more than one piece of the file plus a bounded amount of everything else.
///
/// Boundaries are found with a Knuth–Morris–Pratt matcher whose state survives from one piece to
/// the next, so the work is linear in the body whatever bytes it holds, and bytes held back as a
/// possible boundary are known to be a prefix of the delimiter (they are re-emitted from it).
///
/// As S3 does, fields before the file are bounded (``maximumPreFileBytes``), fields after it
/// are read past and ignored, and a second `file` part is an error.
public struct FormDataParser: Sendable {
    /// What S3 allows before the file: 20 KB of boundaries, part headers and field values.
    public static let defaultMaximumPreFileBytes = 20 * 1024
    /// The longest header block one part may have.
    public static let maximumPartHeaderBytes = 8 * 1024
    /// The most parts a form may have before its file; each is a field S3 must then check.
    public static let maximumFields = 1_000

    /// One thing read from the body.
    public enum Event: Sendable, Equatable {
        /// A complete field before the file. The name is as sent; S3 compares names ignoring case.
        case field(name: String, value: String)
        /// The file part begins; `filename` is the part's `filename` parameter, if any.
        case fileStart(filename: String?, contentType: String?)
        /// File bytes: `input` is a range of the piece just fed; `held` are bytes held back from
        /// earlier pieces that turned out not to be a boundary. Emitted in order.
        case fileBytes(FileBytes)
        /// The file part ended.
        case fileEnd
    }

    /// Bytes of the file part.
    public enum FileBytes: Sendable, Equatable {
        case input(Range<Int>)
        case held([UInt8])
    }

    /// Why the body is not a form S3 accepts.
    public enum Failure: Error, Sendable, Equatable {
        /// Not well-formed multipart/form-data (S3's MalformedPOSTRequest).
        case malformed(String)
        /// More than ``maximumPreFileBytes`` before the file (MaxPostPreDataLengthExceeded).
        case preFileDataTooLarge
        /// A second `file` part (IncorrectNumberOfFilesInPostRequest).
        case secondFile
    }

    private enum State: Sendable {
        /// Before the first boundary: a preamble to skip.
        case preamble
        /// Just after a delimiter: `--` closes the form, optional whitespace then CRLF opens a part;
        /// anything else means the delimiter was content after all (as Go's reader takes it).
        case afterDelimiter(dashes: Int, sawCR: Bool, sawPadding: Bool)
        case headers
        case fieldBody
        case fileBody
        /// A part after the file, read past.
        case ignoredBody
        /// After the closing delimiter: an epilogue, ignored.
        case closed
    }

    public let maximumPreFileBytes: Int
    private let delimiter: [UInt8]
    private let failure: [Int]
    private var state: State = .preamble
    /// How much of `delimiter` the bytes just read match.
    private var matched: Int
    private var headerBytes: [UInt8] = []
    private var partName: String = ""
    private var value: [UInt8] = []
    private var preFileBytes = 0
    private var fieldCount = 0
    private var sawFile = false
    /// The body state a delimiter interrupted, and the bytes read after it, kept until the
    /// delimiter is known to be one.
    private var interrupted: State = .preamble
    private var afterBytes: [UInt8] = []

    /// Whether the closing delimiter has been read.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether the form had a file part (it may still be streaming).
    public var hasFile: Bool { sawFile }

    /// - Parameter boundary: the `boundary` parameter of the request's Content-Type (see
    ///   ``FormDataContentType``).
    public init(boundary: String, maximumPreFileBytes: Int = Self.defaultMaximumPreFileBytes) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        failure = Self.failureTable(delimiter)
        self.maximumPreFileBytes = maximumPreFileBytes
        // The first boundary may start the body, with no line break before it.
        matched = 2
    }

    private static func failureTable(_ pattern: [UInt8]) -> [Int] {
        var table = [Int](repeating: 0, count: pattern.count)
        var k = 0
        var index = 1
        while index < pattern.count {
            while k > 0 && pattern[index] != pattern[k] { k = table[k - 1] }
            if pattern[index] == pattern[k] { k += 1 }
            table[index] = k
            index += 1
        }
        return table
    }

    /// Reads the next piece of the body and returns what it completed.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [Event] {
        var events: [Event] = []
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .preamble, .fieldBody, .fileBody, .ignoredBody:
                index = try scanBody(bytes, from: index, events: &events)
            case .afterDelimiter(let dashes, let sawCR, let sawPadding):
                let byte = bytes[index]
                if try afterDelimiter(byte, dashes: dashes, sawCR: sawCR, sawPadding: sawPadding, events: &events) {
                    index += 1
                    try countPreFile(1)
                } else {
                    // Not a boundary line: the delimiter and what followed it are content, and
                    // this byte is read again as body.
                    state = interrupted
                    matched = 0
                    try emitHeld(delimiter + afterBytes, isFile: isFileBody, events: &events)
                }
            case .headers:
                let byte = bytes[index]
                index += 1
                try countPreFile(1)
                headerBytes.append(byte)
                guard headerBytes.count <= Self.maximumPartHeaderBytes else {
                    throw .malformed("a part's headers are too long")
                }
                if headerBytes.count == 2 && headerBytes == [13, 10] || headerBytes.count >= 4 && headerBytes.suffix(4).elementsEqual([13, 10, 13, 10]) {
                    try beginPart(events: &events)
                }
            case .closed:
                return events
            }
        }
        return events
    }

    /// Checks that the body ended where a form may end: after its closing delimiter.
    public func finish() throws(Failure) {
        guard isClosed else { throw .malformed("the body ended inside a part") }
    }

    private mutating func countPreFile(_ count: Int) throws(Failure) {
        guard !sawFile else { return }
        preFileBytes &+= count
        if preFileBytes > maximumPreFileBytes { throw .preFileDataTooLarge }
    }

    /// Runs the matcher over body bytes from `start`, up to the end of the piece or the end of
    /// the part, and returns where it stopped.
    ///
    /// The bytes the matcher holds (`matched` of them) are always `delimiter[0..<matched]`; the
    /// ones before them are content. Content therefore ends at `position - matched`, a number
    /// that never decreases, so it is worked out once, when the piece or the part ends: first
    /// the bytes held from earlier pieces that were released, then a range of this piece.
    private mutating func scanBody(_ bytes: UnsafeRawBufferPointer, from start: Int, events: inout [Event]) throws(Failure) -> Int {
        let heldAtStart = matched
        var k = matched
        var index = start
        let count = bytes.count
        var found = false
        while index < count {
            let byte = bytes[index]
            while k > 0 && delimiter[k] != byte { k = failure[k - 1] }
            if delimiter[k] == byte { k += 1 }
            index += 1
            if k == delimiter.count {
                found = true
                break
            }
        }
        matched = k
        // Content ends here, counted from the start of this piece (negative: inside the held bytes).
        let contentEnd = (index - start) - k
        let isFile = isFileBody
        if contentEnd > -heldAtStart {
            let released = delimiter[0..<heldAtStart].prefix(heldAtStart + min(contentEnd, 0))
            try emitHeld(Array(released), isFile: isFile, events: &events)
        }
        if contentEnd > 0 {
            try emitContent(bytes, start..<(start + contentEnd), isFile: isFile, events: &events)
        }
        try countPreFile(index - start)
        if found {
            matched = 0
            interrupted = state
            afterBytes = []
            state = .afterDelimiter(dashes: 0, sawCR: false, sawPadding: false)
        }
        return index
    }

    private var isFileBody: Bool {
        if case .fileBody = state { return true }
        return false
    }

    private mutating func emitHeld(_ held: [UInt8], isFile: Bool, events: inout [Event]) throws(Failure) {
        guard !held.isEmpty else { return }
        if isFile {
            events.append(.fileBytes(.held(held)))
        } else if case .fieldBody = state {
            try appendValue(held[...])
        }
    }

    private mutating func emitContent(
        _ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, isFile: Bool, events: inout [Event]
    ) throws(Failure) {
        if isFile {
            events.append(.fileBytes(.input(range)))
        } else if case .fieldBody = state {
            try appendValue(UnsafeRawBufferPointer(rebasing: bytes[range])[...])
        }
    }

    private mutating func appendValue<C: Collection<UInt8>>(_ more: C) throws(Failure) {
        // The pre-file count bounds this too; checked here first so the buffer never grows past it.
        guard value.count + more.count <= maximumPreFileBytes else { throw .preFileDataTooLarge }
        value.append(contentsOf: more)
    }

    private mutating func endPart(_ ended: State, events: inout [Event]) throws(Failure) {
        switch ended {
        case .fieldBody:
            events.append(.field(name: partName, value: String(decoding: value, as: UTF8.self)))
            value = []
        case .fileBody:
            events.append(.fileEnd)
        default:
            break
        }
    }

    /// Reads one byte after a delimiter; false when the byte shows it was no boundary line.
    private mutating func afterDelimiter(
        _ byte: UInt8, dashes: Int, sawCR: Bool, sawPadding: Bool, events: inout [Event]
    ) throws(Failure) -> Bool {
        guard afterBytes.count < 64 else { return false }
        if sawCR {
            guard byte == 10 else { return false }
            try endPart(interrupted, events: &events)
            headerBytes = []
            state = .headers
            return true
        }
        switch byte {
        case UInt8(ascii: "-") where !sawPadding && dashes < 2:
            if dashes == 1 {
                try endPart(interrupted, events: &events)
                state = .closed
            } else {
                state = .afterDelimiter(dashes: 1, sawCR: false, sawPadding: false)
            }
        case UInt8(ascii: " ") where dashes == 0, UInt8(ascii: "\t") where dashes == 0:
            state = .afterDelimiter(dashes: 0, sawCR: false, sawPadding: true)
        case 13 where dashes == 0:
            state = .afterDelimiter(dashes: 0, sawCR: true, sawPadding: sawPadding)
        default:
            return false
        }
        afterBytes.append(byte)
        return true
    }

    /// The header block of a part is complete: works out what the part is.
    private mutating func beginPart(events: inout [Event]) throws(Failure) {
        let headers = try Self.parseHeaders(headerBytes)
        headerBytes = []
        guard let disposition = headers["content-disposition"] else {
            throw .malformed("a part has no Content-Disposition")
        }
        let parameters = try FormDataContentType.parameters(disposition, expecting: "form-data")
        guard let name = parameters["name"] else { throw .malformed("a part has no name") }
        let isFile = name.lowercased() == "file"
        if sawFile {
            if isFile { throw .secondFile }
            state = .ignoredBody
            return
        }
        if isFile {
            sawFile = true
            state = .fileBody
            events.append(.fileStart(filename: parameters["filename"], contentType: headers["content-type"]))
        } else {
            fieldCount += 1
            guard fieldCount <= Self.maximumFields else { throw .preFileDataTooLarge }
            partName = name
            value = []
            state = .fieldBody
        }
    }

    /// The headers of a part by lower-case name (the block ends with an empty line).
    static func parseHeaders(_ block: [UInt8]) throws(Failure) -> [String: String] {
        var headers: [String: String] = [:]
        let text = String(decoding: block, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("a part header has no colon") }
            let name = line[..<colon].trimmingFormSpaces().lowercased()
            guard !name.isEmpty else { throw .malformed("a part header has no name") }
            // A folded or repeated header is not something a browser sends; the first one counts.
            if headers[name] == nil { headers[name] = String(line[line.index(after: colon)...].trimmingFormSpaces()) }
        }
        return headers
    }
}

extension StringProtocol {
    func trimmingFormSpaces() -> Substring {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        let sub = self[...]
        guard let first = sub.firstIndex(where: { !isSpace($0) }), let last = sub.lastIndex(where: { !isSpace($0) }) else {
            return Substring("")
        }
        return Substring(sub[first...last])
    }
}
